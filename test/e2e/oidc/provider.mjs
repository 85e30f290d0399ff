// A certified OpenID Provider (oidc-provider) on 127.0.0.1 for the approval tests, in its own
// process because oidc-provider is an ES module that jest's CommonJS loader cannot take. The test
// drives it over IPC: which keys sign, which users exist, whether it answers at all.
//
//   { type: 'rotate-keys' }           a new signing key with a new key id; the old one is retired
//   { type: 'disable', user }         the user can no longer sign in, refresh or read UserInfo
//   { type: 'stop' } / { type: 'start' }   closes / reopens the port (the OP down, and back)
//
// Started with one JSON argument: { clients, users, tls?: { key, cert } }.
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { createServer as createHttp } from 'node:http';
import { createServer as createHttps } from 'node:https';
import Provider from 'oidc-provider';

const options = JSON.parse(process.argv[2]);
const users = new Map(Object.entries(options.users));
const disabled = new Set();

function signingKey() {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { ...privateKey.export({ format: 'jwk' }), kid: randomUUID(), alg: 'RS256', use: 'sig' };
}

let issuer = '';
let provider;
let keyId = '';

function buildProvider() {
  const key = signingKey();
  keyId = key.kid;
  const built = new Provider(issuer, {
    clients: options.clients,
    jwks: { keys: [key] },
    pkce: { required: () => true },
    features: {
      devInteractions: { enabled: true },
      rpInitiatedLogout: { enabled: true },
      userinfo: { enabled: true },
    },
    claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['preferred_username', 'name'] },
    // Warden asks for no offline_access (Cognito refuses the scope), yet keeps a refresh token.
    issueRefreshToken: async (_ctx, client) => client.grantTypeAllowed('refresh_token'),
    rotateRefreshToken: false,
    ttl: { AccessToken: 3600, IdToken: 3600, RefreshToken: 86400, Session: 86400, Grant: 86400 },
    findAccount: async (_ctx, sub) => {
      const user = users.get(sub);
      if (!user || disabled.has(sub)) return undefined;
      return { accountId: sub, claims: async () => ({ sub, ...user }) };
    },
    cookies: { keys: ['warden-test-op-cookie-key-0123456789'] },
  });
  built.proxy = false;
  return built;
}

const server = options.tls
  ? createHttps({ key: options.tls.key, cert: options.tls.cert }, (req, res) => provider.callback()(req, res))
  : createHttp((req, res) => provider.callback()(req, res));
let port = 0;

function listen() {
  return new Promise((resolve) => server.listen(port, '127.0.0.1', resolve));
}

await listen();
port = server.address().port;
issuer = `${options.tls ? 'https' : 'http'}://127.0.0.1:${port}`;
provider = buildProvider();
process.send({ type: 'ready', issuer, keyId });

process.on('message', async (message) => {
  if (message.type === 'rotate-keys') {
    // The memory adapter's store is per process, so sessions and grants survive the new instance.
    provider = buildProvider();
  } else if (message.type === 'disable') {
    disabled.add(message.user);
  } else if (message.type === 'stop') {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  } else if (message.type === 'start') {
    await listen();
  } else if (message.type === 'exit') {
    process.exit(0);
  }
  process.send({ type: 'done', of: message.type, keyId });
});
