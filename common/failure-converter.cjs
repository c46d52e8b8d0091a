// Failure messages and stack traces go through the payload codec like every payload, so a
// rejection ("Unknown product SKU") or a server path never lies in plaintext in Temporal.
// CommonJS on purpose: the SDK require()s this file in every process and bundles it into the
// workflow sandbox.
const { DefaultFailureConverter } = require('@temporalio/common');

exports.failureConverter = new DefaultFailureConverter({ encodeCommonAttributes: true });
