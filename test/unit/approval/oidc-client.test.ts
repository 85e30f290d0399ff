import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { IdentityProviderError, SignInConfigurationError } from '../../../tasks/approval/errors';
import { newSignInSecrets, OidcClient } from '../../../tasks/approval/oidc-client';
import { startFakeIssuer } from './fake-issuer';

/** An issuer whose discovery document says whatever the test puts in it. */
async function serveDiscovery(document: (url: string) => unknown): Promise<{ url: string; server: Server }> {
  let url = '';
  const server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(document(url)));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url, server };
}

describe('OidcClient', () => {
  it("builds the authorize URL from the issuer's discovery document", async () => {
    const issuer = await startFakeIssuer();
    try {
      const client = new OidcClient({
        issuer: issuer.url,
        clientId: 'c',
        redirectUri: 'https://x/auth/callback',
      });

      const url = new URL(await client.authorizationUrl(newSignInSecrets()));

      expect(`${url.origin}${url.pathname}`).toBe(`${issuer.url}/authorize`);
    } finally {
      await issuer.close();
    }
  });

  it('refuses a discovery document that names another issuer', async () => {
    const { url, server } = await serveDiscovery((self) => ({
      issuer: 'https://impostor.example.com',
      authorization_endpoint: `${self}/authorize`,
      token_endpoint: `${self}/token`,
      jwks_uri: `${self}/jwks`,
    }));
    try {
      const client = new OidcClient({ issuer: url, clientId: 'c', redirectUri: 'https://x/auth/callback' });

      await expect(client.authorizationUrl(newSignInSecrets())).rejects.toThrow(SignInConfigurationError);
    } finally {
      server.close();
    }
  });

  it('refuses plain-HTTP endpoints for an https issuer', () => {
    const endpoints = {
      authorization: 'http://idp.example.com/a',
      token: 'https://idp.example.com/t',
      jwks: 'https://idp.example.com/j',
    };

    expect(
      () =>
        new OidcClient({
          issuer: 'https://idp.example.com',
          clientId: 'c',
          redirectUri: 'https://x/cb',
          endpoints,
        }),
    ).toThrow('the authorization endpoint must use https, got http://idp.example.com/a');
  });

  it('fails with IdentityProviderError when the issuer cannot be reached', async () => {
    const client = new OidcClient(
      { issuer: 'http://127.0.0.1:9', clientId: 'c', redirectUri: 'https://x/cb' },
      { fetch: () => Promise.reject(new Error('connect ECONNREFUSED')) },
    );

    await expect(client.authorizationUrl(newSignInSecrets())).rejects.toThrow(IdentityProviderError);
  });
});
