"""A stream's opening is accepted before anything else is written, so that a refusal
reaches the caller with the server's own status and message, every time."""

from collections.abc import AsyncIterator

import grpc
import pytest

from modmesh.runtime.clients import accepted

REFUSAL = "open.format.sample_rate_hz 44100 is not supported"
CHUNK = b"\0" * 32_000


async def _stream(
    requests: AsyncIterator[bytes], context: grpc.aio.ServicerContext[bytes, bytes]
) -> AsyncIterator[bytes]:
    """Refuses an opening of b"bad"; accepts any other and answers each chunk's size."""
    if await anext(aiter(requests)) == b"bad":
        await context.abort(grpc.StatusCode.INVALID_ARGUMENT, REFUSAL)
    await context.send_initial_metadata(())
    async for chunk in requests:
        yield str(len(chunk)).encode()


@pytest.fixture
async def channel() -> AsyncIterator[grpc.aio.Channel]:
    server = grpc.aio.server()
    handler = grpc.stream_stream_rpc_method_handler(_stream)
    server.add_generic_rpc_handlers(
        [grpc.method_handlers_generic_handler("test.Streams", {"Open": handler})]
    )
    port = server.add_insecure_port("127.0.0.1:0")
    await server.start()
    async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as channel:
        yield channel
    await server.stop(grace=None)


async def _open_and_send(channel: grpc.aio.Channel, opening: bytes) -> list[bytes]:
    """Writes the opening, then (once accepted) a burst of chunks; returns the replies."""
    call = channel.stream_stream("/test.Streams/Open")()
    await call.write(opening)
    if await accepted(call):
        for _ in range(20):
            await call.write(CHUNK)
        await call.done_writing()
    return [reply async for reply in call]


async def test_a_refused_opening_reports_the_servers_status_every_time(
    channel: grpc.aio.Channel,
) -> None:
    for _ in range(30):
        with pytest.raises(grpc.aio.AioRpcError) as refused:
            await _open_and_send(channel, b"bad")
        assert (refused.value.code(), refused.value.details()) == (
            grpc.StatusCode.INVALID_ARGUMENT,
            REFUSAL,
        )


async def test_an_accepted_opening_lets_the_caller_send_its_audio(
    channel: grpc.aio.Channel,
) -> None:
    assert await _open_and_send(channel, b"good") == [str(len(CHUNK)).encode()] * 20
