// The Node original's receiver snippet, unchanged in substance: it re-serialises the parsed body
// with JSON.stringify and compares HMAC-SHA256 signatures. Exit 0 when the delivery verifies.
// Usage: node verify-node-signature.js BODY_FILE HEADERS_JSON_FILE SECRET
const crypto = require('crypto');
const fs = require('fs');

function verifyWebhookSignature(payload, signature, secret) {
  const hmac = crypto.createHmac('sha256', secret);
  hmac.update(payload);
  const calculatedSignature = 'sha256=' + hmac.digest('hex');

  return crypto.timingSafeEqual(
    Buffer.from(signature),
    Buffer.from(calculatedSignature)
  );
}

const [bodyFile, headersFile, secret] = process.argv.slice(2);
const req = {
  body: JSON.parse(fs.readFileSync(bodyFile, 'utf8')),
  headers: JSON.parse(fs.readFileSync(headersFile, 'utf8')),
};
const signature = req.headers['x-webhook-signature'];
const payload = JSON.stringify(req.body);
process.exit(verifyWebhookSignature(payload, signature, secret) ? 0 : 1);
