"""Shared harness for conformance scripts that drive our gRPC server with Google's own client (grpcio).

A script builds its checks with @suite.case, then calls suite.main(). Every script takes
--target HOST:PORT and --proto-root DIR, and optionally --token (a caller token, sent as
"authorization: Bearer <token>" on every call) and --ca (a PEM CA file:
the channel uses TLS and checks the server's certificate against it) (its .proto files are compiled with protoc into a temp
dir at run time, since Debian's grpcio has no grpc_tools). Exit code: 0 all passed, 1 a check
failed, 3 the Python gRPC packages or protoc are missing.
"""

import argparse
import importlib
import os
import shutil
import subprocess
import sys
import tempfile
import time
import traceback

INSTALL_HINT = (
    "Google's gRPC client is missing: run "
    "'apt-get install python3-grpcio python3-protobuf protobuf-compiler' as root "
    "and run the tests with /usr/bin/python3."
)

try:
    import grpc  # noqa: F401  (imported for the scripts and to fail early here)
except ImportError:
    print(INSTALL_HINT, file=sys.stderr)
    sys.exit(3)


class CheckFailed(AssertionError):
    pass


def expect(condition, message):
    if not condition:
        raise CheckFailed(message)


def expect_equal(expected, actual, what):
    if expected != actual:
        raise CheckFailed(f"{what}: expected {expected!r}, got {actual!r}")


def expect_rpc_error(code, call, *args, **kwargs):
    """Runs call and returns the grpc.RpcError it raises, checking its status code."""
    try:
        result = call(*args, **kwargs)
        if hasattr(result, "__iter__") and not isinstance(result, (bytes, str)):
            for _ in result:
                pass
    except grpc.RpcError as error:
        expect_equal(code, error.code(), "status code")
        return error
    raise CheckFailed(f"expected {code}, but the call succeeded")


class _BearerToken(grpc.UnaryUnaryClientInterceptor, grpc.UnaryStreamClientInterceptor,
                   grpc.StreamUnaryClientInterceptor, grpc.StreamStreamClientInterceptor):
    """Adds 'authorization: Bearer <token>' to every call."""

    def __init__(self, token):
        self._header = ("authorization", f"Bearer {token}")

    def _with_token(self, details):
        return details._replace(metadata=list(details.metadata or []) + [self._header])

    def intercept_unary_unary(self, continuation, details, request):
        return continuation(self._with_token(details), request)

    def intercept_unary_stream(self, continuation, details, request):
        return continuation(self._with_token(details), request)

    def intercept_stream_unary(self, continuation, details, requests):
        return continuation(self._with_token(details), requests)

    def intercept_stream_stream(self, continuation, details, requests):
        return continuation(self._with_token(details), requests)


def open_channel(target, token=None, ca=None, **options):
    """A grpcio channel to target: TLS checked against the CA file when ca is given, else plaintext HTTP/2; with
    token, every call carries it. The token goes in as call metadata rather than as grpcio's access-token call
    credentials: with those, calls given a deadline of a microsecond sometimes ended UNAVAILABLE ("Broken pipe")
    inside grpcio instead of DEADLINE_EXCEEDED from the server, which tiny_deadlines_lose_and_double_nothing checks."""
    if ca is not None:
        with open(ca, "rb") as pem:
            channel = grpc.secure_channel(target, grpc.ssl_channel_credentials(root_certificates=pem.read()), **options)
    else:
        channel = grpc.insecure_channel(target, **options)
    return channel if token is None else grpc.intercept_channel(channel, _BearerToken(token))


def compile_protos(proto_root, files):
    """Compiles files (relative to proto_root) with protoc and imports their *_pb2 modules."""
    proto_root = os.path.abspath(proto_root)
    protoc = shutil.which("protoc") or "/usr/bin/protoc"
    if not os.path.exists(protoc):
        print(INSTALL_HINT, file=sys.stderr)
        sys.exit(3)
    out_dir = tempfile.mkdtemp(prefix="ordergrains-conformance-")
    include = ["-I", proto_root]
    if os.path.isdir("/usr/include/google/protobuf"):
        include += ["-I", "/usr/include"]
    subprocess.run([protoc, *include, f"--python_out={out_dir}", *files], cwd=proto_root, check=True)
    sys.path.insert(0, out_dir)
    modules = {}
    for proto in files:
        module_name = proto[:-len(".proto")].replace("/", ".") + "_pb2"
        modules[os.path.basename(proto)[:-len(".proto")]] = importlib.import_module(module_name)
    return modules


class Suite:
    def __init__(self, name):
        self.name = name
        self._cases = []

    def case(self, function):
        self._cases.append(function)
        return function

    def main(self, setup, extra_arguments=()):
        """setup(args) returns the context object passed to every case; extra_arguments: (flag, help) pairs."""
        parser = argparse.ArgumentParser(description=self.name)
        parser.add_argument("--target", required=True, help="host:port of the server (h2c, or TLS with --ca)")
        parser.add_argument("--proto-root", required=True, help="directory the .proto files are relative to")
        parser.add_argument("--token", help="caller token sent as 'authorization: Bearer <token>'")
        parser.add_argument("--ca", help="PEM file of the CA that signed the server's certificate: use TLS")
        for flag, text in extra_arguments:
            parser.add_argument(flag, help=text)
        args = parser.parse_args()
        context = setup(args)
        passed = failed = 0
        for case in self._cases:
            started = time.monotonic()
            try:
                case(context)
                passed += 1
                print(f"PASS {case.__name__} ({(time.monotonic() - started) * 1000:.0f} ms)", flush=True)
            except Exception as error:  # report every failing case, not just the first
                failed += 1
                print(f"FAIL {case.__name__}: {error}", flush=True)
                traceback.print_exc(file=sys.stdout)
        print(f"{self.name}: {passed} passed, {failed} failed", flush=True)
        sys.exit(0 if failed == 0 else 1)
