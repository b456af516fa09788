"""Shared harness for conformance scripts that drive our gRPC server with Google's own client (grpcio).

A script builds its checks with @suite.case, then calls suite.main(). Every script takes
--target HOST:PORT and --proto-root DIR (its .proto files are compiled with protoc into a temp
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

    def main(self, setup):
        """setup(args) returns the context object passed to every case."""
        parser = argparse.ArgumentParser(description=self.name)
        parser.add_argument("--target", required=True, help="host:port of the server (h2c)")
        parser.add_argument("--proto-root", required=True, help="directory the .proto files are relative to")
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
