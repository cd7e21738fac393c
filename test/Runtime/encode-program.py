#!/usr/bin/env python3
"""Encodes a program written as protobuf text (the messages of
runtime/proto/program.proto, on stdin) into a .ohmx file (stdout): protoc
--encode, then the checksum field that ohmc appends (docs/ISA.md, "Program
file"): tag byte 0x7d (field 15, fixed32) and zlib's CRC-32 of every byte
before it, little endian. With --no-checksum, protoc's bytes alone; with
--seal, stdin is already binary (a program edited byte by byte) and only
the checksum is appended.

usage: encode-program.py PROTO_DIR [--no-checksum] < program.txtpb > program.ohmx
       encode-program.py --seal < program.bytes > program.ohmx
"""
import struct
import subprocess
import sys
import zlib


def main():
    args = sys.argv[1:]
    if args == ["--seal"]:
        data = sys.stdin.buffer.read()
    else:
        data = subprocess.run(
            ["protoc", "--encode=ohm.program.Program", "-I", args[0],
             "program.proto"],
            stdin=sys.stdin.buffer, stdout=subprocess.PIPE, check=True).stdout
    if "--no-checksum" not in args:
        data += b"\x7d" + struct.pack("<I", zlib.crc32(data))
    sys.stdout.buffer.write(data)


if __name__ == "__main__":
    main()
