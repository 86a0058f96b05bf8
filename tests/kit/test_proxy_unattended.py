"""`leadkit proxy` left running unattended: clients that vanish, answers it cannot read, limits with clear answers, evidence that survives a stop."""

from __future__ import annotations

import asyncio
from typing import Any

from contract_tests.proxy.messages import Answer, Message
from contract_tests.proxy.wire import Downstream


class _GoneClient(asyncio.Transport):
    """A client that left: a write to it fails, and the loop learns of the loss on its next turn (as uvloop does on EPIPE)."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        super().__init__()
        self.loop = loop
        self.protocol: Downstream | None = None
        self.closing = False

    def write(self, data: Any) -> None:
        if not self.closing and self.protocol is not None:
            self.closing = True
            self.loop.call_soon(self.protocol.connection_lost, BrokenPipeError(32, "Broken pipe"))

    def is_closing(self) -> bool:
        return self.closing

    def close(self) -> None:
        self.closing = True

    def pause_reading(self) -> None:
        pass

    def resume_reading(self) -> None:
        pass


def test_a_client_gone_while_its_pipelined_requests_wait_leaves_no_traceback() -> None:
    """Once printed `IndexError: pop from an empty deque` (Downstream._next after connection_lost)."""
    loop = asyncio.new_event_loop()
    errors: list[dict[str, Any]] = []
    loop.set_exception_handler(lambda _, context: errors.append(context))
    waiting: list[Any] = []

    def handle(message: Message, reply: Any) -> None:
        waiting.append(reply)  # answered later, as the upstream answers

    async def scenario() -> None:
        transport = _GoneClient(loop)
        client = Downstream(handle, set())
        transport.protocol = client
        client.connection_made(transport)
        client.data_received(b"GET /a HTTP/1.1\r\nHost: x\r\n\r\nGET /b HTTP/1.1\r\nHost: x\r\n\r\n")
        assert len(waiting) == 1  # the second waits behind the first
        waiting[0](Answer(200, "OK", [], b"{}"))  # its write finds the client gone
        for _ in range(5):
            await asyncio.sleep(0)

    loop.run_until_complete(scenario())
    loop.close()
    assert [context.get("exception") for context in errors] == []
    assert len(waiting) == 1  # nothing was sent upstream for a client that is gone
