// A frontend's day with the Leads API, typed from the mock's /openapi.json by openapi-typescript
// and called through openapi-fetch. `tsc --strict` must accept it as written; node then runs it
// against a live mock and it throws on any answer the contract does not promise.
import createClient from "openapi-fetch";
import type { components, paths } from "./leads-api.js";

type Lead = components["schemas"]["Lead"];
type LeadStatus = components["schemas"]["LeadStatus"];

const baseUrl = process.env.LEADS_BASE_URL ?? "http://127.0.0.1:4010";
const apiKey = process.env.LEADS_API_KEY ?? "sk-workspace_your_api_key";
const api = createClient<paths>({ baseUrl, headers: { Authorization: `Bearer ${apiKey}` } });

function check(condition: boolean, what: string): asserts condition {
  if (!condition) throw new Error(`contract broken: ${what}`);
}

function report(step: string, ...facts: (string | number | boolean | null)[]): void {
  console.log([step, ...facts].join(" "));
}

// 1. The minimal create: name and email only; status and metadata take their defaults.
const minimal = await api.POST("/api/v1/leads", { body: { name: "Ada Lovelace", email: "ada@example.com" } });
check(minimal.data !== undefined, "minimal create answers 201");
const ada: Lead = minimal.data.data;
const workspace: string = ada.workspaceId; // required in a whole lead: no `?` to unwrap
const created: Date = new Date(ada.createdAt);
check(ada.status === "new" && Object.keys(ada.metadata).length === 0, "defaults applied");
report("created", minimal.response.status, ada.id, workspace, ada.status, !Number.isNaN(created.getTime()));

// 2. Create with metadata: any JSON object, written and read back.
const withMetadata = await api.POST("/api/v1/leads", {
  body: { name: "Grace Hopper", email: "grace@example.com", source: "website", status: "qualified", metadata: { plan: "pro", seats: 5, interest: "premium_plan" } },
});
check(withMetadata.data !== undefined, "create with metadata answers 201");
const grace = withMetadata.data.data;
const plan: unknown = grace.metadata["plan"];
report("created-with-metadata", withMetadata.response.status, grace.id, String(plan), grace.source);

// 3. List with a status filter.
const wanted: LeadStatus = "qualified";
const page = await api.GET("/api/v1/leads", { params: { query: { status: wanted, limit: 5, page: 1 } } });
check(page.data !== undefined, "list answers 200");
const { leads, pagination } = page.data.data;
check(leads.every((lead) => lead.status === wanted), "status filter holds");
report("listed", page.response.status, leads.length, pagination.total, pagination.hasNext);

// 4. Get one lead.
const got = await api.GET("/api/v1/leads/{leadId}", { params: { path: { leadId: grace.id } } });
check(got.data !== undefined, "get answers 200");
report("got", got.response.status, got.data.data.name, got.data.data.workspaceId);

// 5. Partial update: a metadata merge patch whose null removes a key, and null clearing a field.
const updated = await api.PUT("/api/v1/leads/{leadId}", {
  params: { path: { leadId: grace.id } },
  body: { status: "contacted", phone: null, metadata: { interest: null, callback: "monday" } },
});
check(updated.data !== undefined, "update answers 200");
const merged = updated.data.data.metadata;
check(!("interest" in merged) && merged["callback"] === "monday" && merged["plan"] === "pro", "metadata merged");
check(new Date(updated.data.data.updatedAt) > new Date(grace.updatedAt), "updatedAt moves forward");
report("updated", updated.response.status, updated.data.data.status, Object.keys(merged).sort().join(","));

// 6. Delete, then the documented 404, narrowed by its code to read details.leadId.
const deleted = await api.DELETE("/api/v1/leads/{leadId}", { params: { path: { leadId: grace.id } } });
check(deleted.data !== undefined, "delete answers 200");
report("deleted", deleted.response.status, deleted.data.message, deleted.data.data.id);

const gone = await api.GET("/api/v1/leads/{leadId}", { params: { path: { leadId: grace.id } } });
check(gone.error !== undefined, "get after delete is an error");
if (gone.error.code === "LEAD_NOT_FOUND") {
  const leadId: string = gone.error.details.leadId;
  report("not-found", gone.response.status, gone.error.code, leadId, gone.error.details.message);
} else {
  throw new Error(`expected LEAD_NOT_FOUND, got ${gone.error.code}`);
}

// 7. A refused create (400) names the field; a bad key (401) is its own typed error.
const invalid = await api.POST("/api/v1/leads", { body: { name: "No Email", email: "not-an-email" } });
check(invalid.error !== undefined && invalid.error.code === "VALIDATION_ERROR", "bad email is a 400");
const fields: string[] = invalid.error.details.errors.map((problem) => problem.field);
report("invalid", invalid.response.status, invalid.error.code, fields.join(","));

const stranger = createClient<paths>({ baseUrl, headers: { Authorization: "Bearer sk-not-a-key" } });
const refused = await stranger.GET("/api/v1/leads");
check(refused.error !== undefined && refused.error.code === "UNAUTHORIZED", "unknown key is a 401");
report("unauthorized", refused.response.status, refused.error.code, refused.response.headers.get("WWW-Authenticate"));

await api.DELETE("/api/v1/leads/{leadId}", { params: { path: { leadId: ada.id } } });
