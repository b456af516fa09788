"""Drives the test Echo service (tests/OrderGrains.Grpc.Tests/Protos/testing.proto) with grpcio.

Run by OrderGrains.Grpc.Tests (PythonConformanceTests) against a real Kestrel; by hand:
  /usr/bin/python3 tests/conformance/echo_conformance.py --target 127.0.0.1:5000 \
      --proto-root tests/OrderGrains.Grpc.Tests/Protos
"""

import uuid

import grpc

from harness import Suite, compile_protos, expect, expect_equal, expect_rpc_error

# The server under test is configured with this receive limit (EchoServer.MaxReceiveMessageSize).
SERVER_MAX_RECEIVE = 1024 * 1024
SERVICE = "/ordergrains.testing.Echo/"

suite = Suite("echo_conformance")


class Context:
    def __init__(self, args):
        self.pb = compile_protos(args.proto_root, ["testing.proto"])["testing"]
        self.channel = grpc.insecure_channel(args.target)
        grpc.channel_ready_future(self.channel).result(timeout=10)

    def unary(self, method, response=None, serializer=None):
        pb = self.pb
        return self.channel.unary_unary(
            SERVICE + method,
            request_serializer=serializer or (lambda message: message.SerializeToString()),
            response_deserializer=(response or pb.EchoReply).FromString,
        )

    def stream(self, method):
        return self.channel.unary_stream(
            SERVICE + method,
            request_serializer=lambda message: message.SerializeToString(),
            response_deserializer=self.pb.EchoReply.FromString,
        )


@suite.case
def unary_round_trip(ctx):
    reply = ctx.unary("Echo")(ctx.pb.EchoRequest(text="héllo", payload=b"\x00\x01\x02"), timeout=10)
    expect_equal("héllo", reply.text, "text")
    expect_equal(b"\x00\x01\x02", reply.payload, "payload")
    expect_equal("", reply.request_encoding, "request encoding")


@suite.case
def gzip_request_and_response(ctx):
    payload = b"a" * 200_000
    reply, call = ctx.unary("Echo").with_call(
        ctx.pb.EchoRequest(text="zipped", payload=payload), timeout=10, compression=grpc.Compression.Gzip)
    expect_equal("gzip", reply.request_encoding, "request encoding seen by the server")
    expect_equal(payload, reply.payload, "payload")
    expect_equal(grpc.StatusCode.OK, call.code(), "status")


@suite.case
def deadline_exceeded(ctx):
    expect_rpc_error(
        grpc.StatusCode.DEADLINE_EXCEEDED,
        ctx.unary("Sleep"), ctx.pb.SleepRequest(milliseconds=30_000, probe_id=str(uuid.uuid4())), timeout=0.3)


@suite.case
def error_code_and_non_ascii_message(ctx):
    message = "Größe 100% überschritten ✓ 注文"
    error = expect_rpc_error(
        grpc.StatusCode.FAILED_PRECONDITION,
        ctx.unary("Fail"), ctx.pb.FailRequest(kind="status", code=9, message=message), timeout=10)
    expect_equal(message, error.details(), "details")
    trailers = dict(error.trailing_metadata() or ())
    expect_equal("250", trailers.get("retry-after-ms"), "retry hint trailer")


@suite.case
def mapped_domain_errors(ctx):
    error = expect_rpc_error(
        grpc.StatusCode.NOT_FOUND, ctx.unary("Fail"), ctx.pb.FailRequest(kind="not_found", message="order 42"), timeout=10)
    expect_equal("order 42", error.details(), "details")
    expect_rpc_error(
        grpc.StatusCode.INVALID_ARGUMENT, ctx.unary("Fail"), ctx.pb.FailRequest(kind="argument", message="empty"), timeout=10)
    error = expect_rpc_error(
        grpc.StatusCode.INTERNAL, ctx.unary("Fail"), ctx.pb.FailRequest(kind="crash", message="boom"), timeout=10)
    expect("secret" not in error.details(), f"INTERNAL leaked the exception message: {error.details()!r}")


@suite.case
def every_status_code_round_trips(ctx):
    for code in grpc.StatusCode:
        if code == grpc.StatusCode.OK:
            continue
        expect_rpc_error(
            code, ctx.unary("Fail"), ctx.pb.FailRequest(kind="status", code=code.value[0], message=code.name), timeout=10)


@suite.case
def unknown_method_and_service(ctx):
    unknown_method = ctx.channel.unary_unary(SERVICE + "NoSuchMethod")
    expect_rpc_error(grpc.StatusCode.UNIMPLEMENTED, unknown_method, b"", timeout=10)
    unknown_service = ctx.channel.unary_unary("/ordergrains.testing.NoSuchService/Echo")
    expect_rpc_error(grpc.StatusCode.UNIMPLEMENTED, unknown_service, b"", timeout=10)


@suite.case
def oversized_request(ctx):
    expect_rpc_error(
        grpc.StatusCode.RESOURCE_EXHAUSTED,
        ctx.unary("Echo"), ctx.pb.EchoRequest(payload=b"x" * (SERVER_MAX_RECEIVE + 1)), timeout=10)


@suite.case
def malformed_request(ctx):
    garbage = ctx.unary("Echo", serializer=lambda _: b"\x0a\x64AB")
    expect_rpc_error(grpc.StatusCode.INTERNAL, garbage, None, timeout=10)


@suite.case
def server_streaming(ctx):
    replies = list(ctx.stream("Stream")(ctx.pb.StreamRequest(text="s", count=5), timeout=10))
    expect_equal([0, 1, 2, 3, 4], [reply.index for reply in replies], "indexes")
    replies = list(ctx.stream("StreamEnumerable")(ctx.pb.StreamRequest(text="e", count=3), timeout=10))
    expect_equal([0, 1, 2], [reply.index for reply in replies], "indexes (IAsyncEnumerable)")


@suite.case
def server_streaming_gzip(ctx):
    replies = list(ctx.stream("Stream")(
        ctx.pb.StreamRequest(text="z", count=3, payload_size=50_000), timeout=10, compression=grpc.Compression.Gzip))
    expect_equal(3, len(replies), "messages")
    expect(all(len(reply.payload) == 50_000 for reply in replies), "payload sizes")


@suite.case
def server_streaming_error_after_messages(ctx):
    received = []
    call = ctx.stream("Stream")(ctx.pb.StreamRequest(count=5, fail_after=2), timeout=10)
    try:
        for reply in call:
            received.append(reply.index)
        raise AssertionError("the stream should have failed")
    except grpc.RpcError as error:
        expect_equal(grpc.StatusCode.ABORTED, error.code(), "status")
    expect_equal([0, 1], received, "messages before the error")
    expect_equal("5", dict(call.trailing_metadata()).get("stream-count"), "handler trailer")


@suite.case
def server_streaming_deadline(ctx):
    received = []
    try:
        # 100 ms between messages and a 3 s deadline: a loaded CI machine still sees the first message in time,
        # and the 100 s stream cannot finish before its deadline.
        for reply in ctx.stream("Stream")(ctx.pb.StreamRequest(count=1000, delay_ms=100), timeout=3):
            received.append(reply.index)
        raise AssertionError("the stream should have hit its deadline")
    except grpc.RpcError as error:
        expect_equal(grpc.StatusCode.DEADLINE_EXCEEDED, error.code(), "status")
    expect(0 < len(received) < 30, f"received {len(received)} messages before the deadline")


@suite.case
def server_streaming_cancel(ctx):
    call = ctx.stream("Stream")(ctx.pb.StreamRequest(count=1000, delay_ms=20), timeout=10)
    first = next(call)
    expect_equal(0, first.index, "first index")
    call.cancel()
    expect_equal(grpc.StatusCode.CANCELLED, call.code(), "status after cancel")


if __name__ == "__main__":
    suite.main(Context)
