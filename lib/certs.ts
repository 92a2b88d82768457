/** Certificate formats Azure asks for. */

const CERTIFICATE_BLOCK = /-----BEGIN CERTIFICATE-----([\s\S]*?)-----END CERTIFICATE-----/;

/**
 * Azure's P2S `publicCertData`: the base64 of the DER certificate, which is the body of the PEM
 * without the BEGIN/END lines and without line breaks.
 */
export function pemToAzureCertData(pem: string): string {
    const match = CERTIFICATE_BLOCK.exec(pem);
    if (!match) {
        throw new Error("expected a PEM certificate (-----BEGIN CERTIFICATE-----)");
    }
    const body = match[1].replace(/\s+/g, "");
    // The pattern needs at least one character, so an empty body is refused too.
    if (!/^[A-Za-z0-9+/]+={0,2}$/.test(body) || body.length % 4 !== 0) {
        throw new Error("the PEM certificate body is not base64");
    }
    return body;
}
