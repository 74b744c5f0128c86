// A DICOM SCU whose results the tests read as data, not as console text: dcmjs-dimse (an independent
// DIMSE implementation) sends one C-ECHO or one C-STORE and prints one JSON line. It parses and
// re-encodes the file it sends (a damaged file is repaired or refused on the way), so raw bytes are
// sent by other peers (dcmtk, PixelMed's SCU).
//   {"association": "accepted", "status": 0, "errorComment": null}
//   {"association": "rejected", "result": 1, "source": 1, "reason": 3}        (PS3.8 9.3.4, A-ASSOCIATE-RJ)
//   {"error": "..."}                                                          (the file would not parse, the
//                                                                             connection broke, ...)
//
//   node scu.mjs <port> <calling AE> <called AE> echo [--tls <cert.pem> <key.pem> <ca.pem>]
//   node scu.mjs <port> <calling AE> <called AE> store <file> [--tls <cert.pem> <key.pem> <ca.pem>]
// With --tls: TLS 1.2 or later, the client certificate and key given, the peer's certificate checked
// against the CA and the host name 127.0.0.1.
import { readFileSync } from 'node:fs';
import dimse from 'dcmjs-dimse';

dimse.log.setLevel('silent'); // stdout carries the JSON line only
const { Client } = dimse;
const { CEchoRequest, CStoreRequest } = dimse.requests;
const args = process.argv.slice(2);
const tls = args.indexOf('--tls');
const tlsFiles = tls < 0 ? null : args.splice(tls, 4).slice(1);
const [port, calling, called, what, file] = args;
const out = {};
let printed = false;
const print = (extra) => {
  if (!printed) {
    printed = true;
    console.log(JSON.stringify({ ...out, ...extra }));
  }
};

let request;
try {
  request = what === 'echo' ? new CEchoRequest() : new CStoreRequest(file);
} catch (e) {
  print({ error: `not sent: ${e.message}` });
  process.exit(0);
}
request.on('response', (response) => {
  out.status = response.getStatus();
  out.errorComment = response.getErrorComment() ?? null;
});
const client = new Client();
client.addRequest(request);
client.on('associationAccepted', () => { out.association = 'accepted'; });
client.on('associationRejected', (r) => print({ association: 'rejected', ...r }));
client.on('networkError', (e) => print({ error: `network: ${e.message ?? e}` }));
client.on('closed', () => print({}));
const options = { connectTimeout: 10000, associationTimeout: 30000 };
if (tlsFiles) {
  const [cert, key, ca] = tlsFiles.map((f) => readFileSync(f));
  options.securityOptions = { cert, key, ca, rejectUnauthorized: true, minVersion: 'TLSv1.2' };
}
client.send('127.0.0.1', Number(port), calling, called, options);
