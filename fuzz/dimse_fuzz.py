#!/usr/bin/python3
"""Mutation fuzzer for the node's DICOM upper layer and C-STORE checks (issue 11).

Loopback only. Two kinds of sequences, interleaved:

* PDU sequences: a valid association (A-ASSOCIATE-RQ, P-DATA with C-ECHO and C-STORE, A-RELEASE-RQ)
  whose PDUs are mutated (bytes flipped, lengths replaced, PDUs truncated, dropped, duplicated or
  reordered, random PDU types, A-ABORT or A-RELEASE in the middle of a data set).
* Data sets: real DICOM files from Debian's python3-pydicom (every transfer syntax the node accepts)
  with mutated bytes (flips, element lengths replaced, truncation, deep nesting appended), sent in a
  correct association on a context for the file's own transfer syntax.

After every sequence a C-ECHO probes the node. Failure columns (the goal is zero in each):
  crashes       the node process died or stopped answering its readiness check
  hangs         the probe C-ECHO got no answer within --probe-timeout seconds
  wrong_status  success (0x0000) for a data set that pydicom cannot read back completely
  spool_left    .part files left in the spool's .incoming folder at the end
  acked_missing instances answered success but absent from the spool at the end
Also reported: sequences and data sets sent, statuses seen, the node's threads and RSS before and after.

Usage: dimse_fuzz.py --port P --spool DIR --pid PID [--minutes M] [--max-sequences N] [--dataset-share F] [--seed S] [--json OUT]
"""
import argparse
import collections
import io
import json
import os
import random
import re
import socket
import struct
import sys
import time
import warnings

import pydicom
from pydicom.filebase import DicomBytesIO

TEST_FILES = "/usr/lib/python3/dist-packages/pydicom/data/test_files"
APP_CONTEXT = b"1.2.840.10008.3.1.1.1"
VERIFICATION = "1.2.840.10008.1.1"
SOURCES = ["MR_small.dcm", "MR_small_implicit.dcm", "MR_small_bigendian.dcm", "MR_small_RLE.dcm", "MR_small_jp2klossless.dcm",
           "MR_small_jpeg_ls_lossless.dcm", "JPEG-lossy.dcm", "JPEG-LL.dcm", "image_dfl.dcm", "CT_small.dcm", "SC_rgb_rle_2frame.dcm",
           "emri_small_jpeg_2k_lossless.dcm", "rtplan.dcm", "waveform_ecg.dcm"]


def item(kind, value):
    return struct.pack(">BBH", kind, 0, len(value)) + value


def pdu(kind, body):
    return struct.pack(">BBI", kind, 0, len(body)) + body


def ae(name):
    return name.encode().ljust(16)[:16]


def associate_rq(contexts, calling="FUZZ", version=1):
    """contexts: list of (abstract syntax, [transfer syntaxes]); context ids 1, 3, 5..."""
    body = struct.pack(">HH", version, 0) + ae("SRI_NODE") + ae(calling) + bytes(32) + item(0x10, APP_CONTEXT)
    for i, (abstract, tss) in enumerate(contexts):
        pc = struct.pack(">BBBB", 2 * i + 1, 0, 0, 0) + item(0x30, abstract.encode())
        for ts in tss:
            pc += item(0x40, ts.encode())
        body += item(0x20, pc)
    body += item(0x50, item(0x51, struct.pack(">I", 16384)) + item(0x52, b"1.2.3.4.5"))
    return pdu(1, body)


def element(group, elem, value):
    return struct.pack("<HHI", group, elem, len(value)) + value


def uid_value(uid):
    b = uid.encode()
    return b + (b"\0" if len(b) % 2 else b"")


def command(field, message_id, sop_class, sop_instance=None, dataset=False):
    body = element(0, 0x0002, uid_value(sop_class)) + element(0, 0x0100, struct.pack("<H", field))
    body += element(0, 0x0110, struct.pack("<H", message_id)) + element(0, 0x0800, struct.pack("<H", 0 if dataset else 0x0101))
    if sop_instance:
        body += element(0, 0x1000, uid_value(sop_instance))
    return element(0, 0, struct.pack("<I", len(body))) + body


def pdata(pc_id, payload, is_command, last, max_pdv=16000):
    """P-DATA-TF PDUs carrying payload in PDVs of at most max_pdv bytes."""
    out = []
    chunks = [payload[i:i + max_pdv] for i in range(0, len(payload), max_pdv)] or [b""]
    for n, chunk in enumerate(chunks):
        control = (1 if is_command else 0) | (2 if (last and n == len(chunks) - 1) else 0)
        out.append(pdu(4, struct.pack(">IBB", len(chunk) + 2, pc_id, control) + chunk))
    return out


class Link:
    def __init__(self, port, timeout):
        self.s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        self.s.settimeout(timeout)

    def send(self, data):
        self.s.sendall(data)

    def read_pdu(self):
        head = self._exact(6)
        if head is None:
            return None, b""
        kind, _, length = struct.unpack(">BBI", head)
        body = self._exact(length)
        return kind, body or b""

    def _exact(self, n):
        buf = b""
        while len(buf) < n:
            chunk = self.s.recv(min(65536, n - len(buf)))
            if not chunk:
                return None
            buf += chunk
        return buf

    def close(self):
        try:
            self.s.close()
        except OSError:
            pass


def status_of(pdata_body):
    """Status (0000,0900) from a one-PDV P-DATA-TF command answer."""
    cmd = pdata_body[6:]
    p = 0
    while p + 8 <= len(cmd):
        group, elem, length = struct.unpack("<HHI", cmd[p:p + 8])
        if group == 0 and elem == 0x0900:
            return struct.unpack("<H", cmd[p + 8:p + 10])[0]
        p += 8 + length
    return None


def accepted_contexts(ac_body):
    """{context id: transfer syntax} from an A-ASSOCIATE-AC body."""
    out = {}
    p = 68
    while p + 4 <= len(ac_body):
        kind, _, length = struct.unpack(">BBH", ac_body[p:p + 4])
        if kind == 0x21:
            pc_id, result = ac_body[p + 4], ac_body[p + 6]
            if result == 0:
                out[pc_id] = ac_body[p + 12:p + 4 + length].rstrip(b"\0").decode(errors="replace")
        p += 4 + length
    return out


def load_sources():
    sources = []
    for name in SOURCES:
        path = os.path.join(TEST_FILES, name)
        if not os.path.exists(path):
            continue
        ds = pydicom.dcmread(path)
        ts = str(ds.file_meta.TransferSyntaxUID)
        raw = open(path, "rb").read()
        offset = dataset_offset(raw)
        sources.append((name, str(ds.SOPClassUID), ts, raw[offset:]))
    return sources


def dataset_offset(raw):
    """Byte offset of the data set after the preamble and the File Meta Information."""
    p = 132
    while p + 8 <= len(raw):
        group = struct.unpack("<H", raw[p:p + 2])[0]
        if group != 2:
            return p
        vr = raw[p + 4:p + 6]
        if vr in (b"OB", b"OW", b"SQ", b"UN", b"UT"):
            length = struct.unpack("<I", raw[p + 8:p + 12])[0]
            p += 12 + length
        else:
            length = struct.unpack("<H", raw[p + 6:p + 8])[0]
            p += 8 + length
    return p


def mutate_dataset(rng, data):
    data = bytearray(data)
    choice = rng.randrange(6)
    if choice == 0:
        for _ in range(rng.randint(1, 8)):
            data[rng.randrange(len(data))] = rng.randrange(256)
    elif choice == 1:
        # replace a 4-byte little-endian length somewhere with a lie
        pos = rng.randrange(max(1, len(data) - 4))
        data[pos:pos + 4] = struct.pack("<I", rng.choice([0xFFFFFFFF, 0x7FFFFFF0, 1 << 26, rng.randrange(1 << 16)]))
    elif choice == 2:
        data = data[:rng.randrange(len(data))]
    elif choice == 3:
        # deep nesting of undefined-length sequences, never closed, or closed
        depth = rng.choice([40, 300, 2000])
        nest = (struct.pack("<HH", 0x0009, 0x1010) + b"SQ\0\0" + struct.pack("<I", 0xFFFFFFFF)
                + struct.pack("<HHI", 0xFFFE, 0xE000, 0xFFFFFFFF)) * depth
        data += nest
    elif choice == 4:
        # a 2-byte length of a short-VR element changed
        pos = rng.randrange(max(1, len(data) - 2))
        data[pos:pos + 2] = struct.pack("<H", rng.randrange(65536))
    else:
        # remove a random span
        a = rng.randrange(len(data))
        b = min(len(data), a + rng.randrange(1, 64))
        del data[a:b]
    return bytes(data)


def readable(ts, sop_class, sop_instance, data):
    """Can pydicom read this exact data set completely (every element, pixel data of the right size)?"""
    meta = pydicom.dataset.FileMetaDataset()
    meta.MediaStorageSOPClassUID = sop_class
    meta.MediaStorageSOPInstanceUID = sop_instance
    meta.TransferSyntaxUID = ts
    buf = DicomBytesIO()
    buf.write(b"\0" * 128 + b"DICM")
    pydicom.filewriter.write_file_meta_info(buf, meta, enforce_standard=True)
    buf.write(data)
    try:
        ds = pydicom.dcmread(io.BytesIO(buf.getvalue()), force=False)
        for elem in ds.iterall():
            _ = elem.value
        if "PixelData" in ds and not ds.file_meta.TransferSyntaxUID.is_compressed:
            frames = int(getattr(ds, "NumberOfFrames", 1) or 1)
            need = ds.Rows * ds.Columns * ds.SamplesPerPixel * frames * ds.BitsAllocated // 8
            if len(ds.PixelData) < need:
                return False
        return True
    except Exception:
        return False


class Fuzzer:
    def __init__(self, args):
        self.args = args
        self.rng = random.Random(args.seed)
        self.sources = load_sources()
        self.counts = collections.Counter()
        self.statuses = collections.Counter()
        self.acked = []
        self.wrong = []

    def link(self):
        return Link(self.args.port, self.args.io_timeout)

    def probe(self):
        """A C-ECHO in a fresh association; True when answered."""
        deadline = time.time() + self.args.probe_timeout
        while time.time() < deadline:
            try:
                link = Link(self.args.port, self.args.probe_timeout)
                link.send(associate_rq([(VERIFICATION, ["1.2.840.10008.1.2"])]))
                kind, body = link.read_pdu()
                if kind == 3:   # rejected (limit): try again
                    link.close()
                    time.sleep(0.2)
                    continue
                if kind != 2:
                    link.close()
                    return False
                for p in pdata(1, command(0x0030, 1, VERIFICATION), True, True):
                    link.send(p)
                kind, body = link.read_pdu()
                link.send(pdu(5, bytes(4)))
                link.read_pdu()
                link.close()
                return kind == 4 and status_of(body) == 0
            except OSError:
                time.sleep(0.2)
        return False

    def pdu_sequence(self):
        name, sop_class, ts, data = self.rng.choice(self.sources)
        sop = "2.25.%d" % self.rng.getrandbits(96)
        pdus = [associate_rq([(sop_class, [ts]), (VERIFICATION, ["1.2.840.10008.1.2"])])]
        pdus += pdata(3, command(0x0030, 1, VERIFICATION), True, True)
        pdus += pdata(1, command(0x0001, 2, sop_class, sop, True), True, True)
        pdus += pdata(1, data, False, True)
        pdus.append(pdu(5, bytes(4)))
        op = self.rng.randrange(9)
        i = self.rng.randrange(len(pdus))
        if op == 0:
            b = bytearray(pdus[i])
            for _ in range(self.rng.randint(1, 6)):
                b[self.rng.randrange(len(b))] = self.rng.randrange(256)
            pdus[i] = bytes(b)
        elif op == 1:
            b = bytearray(pdus[i])
            b[2:6] = struct.pack(">I", self.rng.choice([0, 1, 5, 0xFFFFFFFF, 1 << 20, len(b) + 100]))
            pdus[i] = bytes(b)
        elif op == 2:
            pdus[i] = pdus[i][:self.rng.randrange(len(pdus[i]))]
            pdus = pdus[:i + 1]
        elif op == 3:
            del pdus[i]
        elif op == 4:
            pdus.insert(i, pdus[i])
        elif op == 5:
            kind = self.rng.choice([0, 1, 2, 3, 5, 6, 7, 8, 0x42, 0xFF])
            pdus.insert(i, pdu(kind, bytes(self.rng.randrange(0, 32))))
        elif op == 6:
            # A-RELEASE-RQ or A-ABORT in the middle of the data set
            pdus.insert(len(pdus) - 2, self.rng.choice([pdu(5, bytes(4)), pdu(7, bytes(4))]))
        elif op == 7:
            j = self.rng.randrange(len(pdus))
            pdus[i], pdus[j] = pdus[j], pdus[i]
        else:
            # a second C-STORE command before the first data set ended
            pdus.insert(len(pdus) - 2, pdata(1, command(0x0001, 3, sop_class, sop + ".1", True), True, True)[0])
        self.run_link(pdus)
        self.counts["pdu_sequences"] += 1

    def dataset_sequence(self):
        name, sop_class, ts, data = self.rng.choice(self.sources)
        sop = "2.25.%d" % self.rng.getrandbits(96)
        mutated = mutate_dataset(self.rng, set_sop_instance(data, sop, ts))
        link = self.link()
        try:
            link.send(associate_rq([(sop_class, [ts])]))
            kind, body = link.read_pdu()
            if kind != 2 or 1 not in accepted_contexts(body):
                self.counts["datasets_not_associated"] += 1
                return
            for p in pdata(1, command(0x0001, 1, sop_class, sop, True), True, True):
                link.send(p)
            for p in pdata(1, mutated, False, True):
                link.send(p)
            kind, body = link.read_pdu()
            if kind == 4:
                status = status_of(body)
                self.statuses["0x%04X" % status if status is not None else "none"] += 1
                if status == 0:
                    self.acked.append(sop)
                    if not readable(ts, sop_class, sop, mutated):
                        self.wrong.append({"source": name, "sop": sop})
            else:
                self.statuses["pdu-%s" % kind] += 1
            link.send(pdu(5, bytes(4)))
            link.read_pdu()
        except OSError:
            self.statuses["connection-error"] += 1
        finally:
            link.close()
            self.counts["datasets"] += 1

    def run_link(self, pdus):
        try:
            link = self.link()
        except OSError:
            self.counts["connect_errors"] += 1
            return
        try:
            for p in pdus:
                link.send(p)
            link.s.settimeout(0.5)
            while True:
                kind, body = link.read_pdu()
                if kind is None:
                    break
                self.statuses["pdu-%d" % kind] += 1
        except OSError:
            pass
        finally:
            link.close()

    def run(self):
        before = node_resources(self.args.pid)
        end = time.time() + 60 * self.args.minutes
        n = 0
        hangs = 0
        crashes = 0
        while time.time() < end and n < self.args.max_sequences:
            if self.rng.random() >= self.args.dataset_share:
                self.pdu_sequence()
            else:
                self.dataset_sequence()
            n += 1
            if n % self.args.probe_every == 0:
                if not alive(self.args.pid):
                    crashes += 1
                    break
                if not self.probe():
                    hangs += 1
            if n % 500 == 0:
                print("[fuzz] %d sequences, %d data sets, %d acknowledged" % (n, self.counts["datasets"], len(self.acked)),
                      file=sys.stderr, flush=True)
        if alive(self.args.pid) and not self.probe():
            hangs += 1
        time.sleep(1)
        after = node_resources(self.args.pid)
        on_disk = set()
        part_files = 0
        for root, dirs, files in os.walk(self.args.spool):
            for f in files:
                if f.endswith(".part"):
                    part_files += 1
                elif f.endswith(".dcm") and ".quarantine" not in root:
                    on_disk.add(spooled_sop(f))
        missing = [s for s in self.acked if s not in on_disk]
        return {
            "sequences": n,
            "pdu_sequences": self.counts["pdu_sequences"],
            "datasets": self.counts["datasets"],
            "acknowledged": len(self.acked),
            "statuses": dict(self.statuses),
            "crashes": 0 if alive(self.args.pid) else 1,
            "hangs": hangs,
            "wrong_status": len(self.wrong),
            "wrong_examples": self.wrong[:5],
            "spool_left": part_files,
            "acked_missing": len(missing),
            "threads_before": before[0], "threads_after": after[0],
            "rss_mb_before": before[1], "rss_mb_after": after[1],
            "seed": self.args.seed,
        }


SPOOL_COPY_MARK = re.compile(r"\.w[0-9a-f]{16}$")


def spooled_sop(file_name):
    """SOP Instance UID of a spooled file: the spool names a received copy ``<SOPInstanceUID>.w<16 hex>.dcm``
    (one file per received copy; ``Spool.instanceFileName`` in the node) and outbox or dead-letter copies
    ``<SOPInstanceUID>.dcm``; both give the UID."""
    return SPOOL_COPY_MARK.sub("", file_name[:-4])


def set_sop_instance(data, sop, ts):
    """The data set with its SOP Instance UID replaced (read and written with pydicom)."""
    meta = pydicom.dataset.FileMetaDataset()
    meta.TransferSyntaxUID = ts
    buf = DicomBytesIO()
    buf.write(b"\0" * 128 + b"DICM")
    meta.MediaStorageSOPClassUID = "1.2.3"
    meta.MediaStorageSOPInstanceUID = "1.2.3"
    pydicom.filewriter.write_file_meta_info(buf, meta, enforce_standard=True)
    offset = len(buf.getvalue())
    buf.write(data)
    ds = pydicom.dcmread(io.BytesIO(buf.getvalue()))
    ds.SOPInstanceUID = sop
    ds.file_meta.MediaStorageSOPInstanceUID = sop
    out = io.BytesIO()
    ds.save_as(out, write_like_original=True)
    raw = out.getvalue()
    return raw[dataset_offset(raw):] if raw[128:132] == b"DICM" else raw[offset:]


def alive(pid):
    return os.path.exists("/proc/%d" % pid)


def node_resources(pid):
    threads, rss = None, None
    try:
        for line in open("/proc/%d/status" % pid):
            if line.startswith("Threads:"):
                threads = int(line.split()[1])
            elif line.startswith("VmRSS:"):
                rss = round(int(line.split()[1]) / 1024)
    except OSError:
        pass
    return threads, rss


def main():
    warnings.simplefilter("ignore")  # pydicom warns about every mutated value it reads back
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--spool", required=True)
    ap.add_argument("--pid", type=int, required=True)
    ap.add_argument("--minutes", type=float, default=2)
    ap.add_argument("--max-sequences", type=int, default=10 ** 9)
    ap.add_argument("--seed", type=int, default=int(time.time()))
    ap.add_argument("--dataset-share", type=float, default=0.5, help="share of data-set sequences (the rest mutate PDUs)")
    ap.add_argument("--probe-every", type=int, default=25)
    ap.add_argument("--probe-timeout", type=float, default=20)
    ap.add_argument("--io-timeout", type=float, default=5)
    ap.add_argument("--json")
    ap.add_argument("--tolerate", default="", help="comma-separated failure columns reported but not failing the run")
    args = ap.parse_args()
    report = Fuzzer(args).run()
    text = json.dumps(report, indent=2)
    print(text)
    if args.json:
        with open(args.json, "w") as f:
            f.write(text + "\n")
    tolerated = set(filter(None, args.tolerate.split(",")))
    for k in sorted(tolerated):
        if report.get(k):
            print("[fuzz] KNOWN OPEN FINDING, not failing this run: %s = %d (see README, Fuzzing)" % (k, report[k]), file=sys.stderr)
    failures = sum(report[k] for k in ("crashes", "hangs", "wrong_status", "spool_left", "acked_missing") if k not in tolerated)
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
