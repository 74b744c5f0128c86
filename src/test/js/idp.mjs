// The hospital's identity provider in OidcIT: node-oidc-provider (an OpenID Certified implementation of
// OpenID Connect Core and Discovery) with the accounts, groups and clients the test needs.
//
//   node idp.mjs <port> <node base URL> <secret of client sri-node> <secret of client monitor>
//
// Accounts (sign in on the provider's own login form with any password): olivia in group
// "radiology-it" (mapped to the node's operator role by the test), victor in "radiologists" (viewer),
// mallory in "admin" (a group the test maps to nothing). Clients: sri-node (authorization code flow, PKCE, redirect to the node's
// /api/login/oidc), monitor (client credentials: a service account in "radiologists", for bearer
// tokens). Access tokens are JWTs carrying the groups claim, for the audience urn:sri-api (the node's
// API) or urn:other-api (another application); ID tokens name the client (sri-node) and carry the
// groups too when the scope "groups" is asked for. Prints "listening <issuer>" when ready.
import Provider from 'oidc-provider';
import { randomBytes } from 'node:crypto';

const [port, nodeUrl, nodeSecret, monitorSecret] = process.argv.slice(2);
const issuer = `http://127.0.0.1:${port}`;
const groups = { olivia: ['radiology-it'], victor: ['radiologists'], mallory: ['admin'] };

const provider = new Provider(issuer, {
  clients: [
    {
      client_id: 'sri-node',
      client_secret: nodeSecret,
      redirect_uris: [`${nodeUrl}/api/login/oidc`],
      grant_types: ['authorization_code'],
      response_types: ['code'],
    },
    {
      client_id: 'monitor',
      client_secret: monitorSecret,
      redirect_uris: [],
      grant_types: ['client_credentials'],
      response_types: [],
    },
  ],
  claims: { openid: ['sub'], profile: ['preferred_username'], groups: ['groups'] },
  conformIdTokenClaims: false,
  async findAccount(ctx, id) {
    return {
      accountId: id,
      async claims() {
        return { sub: id, preferred_username: id, groups: groups[id] ?? [] };
      },
    };
  },
  features: {
    devInteractions: { enabled: true },
    clientCredentials: { enabled: true },
    resourceIndicators: {
      enabled: true,
      defaultResource: () => 'urn:sri-api',
      useGrantedResource: () => true,
      // urn:sri-api is the node's API (an audience other than its client id, as many providers issue);
      // urn:other-api another application whose tokens the node must refuse
      getResourceServerInfo: (ctx, resource) => ({
        scope: 'api',
        audience: resource === 'urn:other-api' ? 'urn:other-api' : 'urn:sri-api',
        accessTokenFormat: 'jwt',
      }),
    },
  },
  async extraTokenClaims(ctx, token) {
    if (token.kind === 'ClientCredentials') return { groups: ['radiologists'] };
    return token.accountId ? { groups: groups[token.accountId] ?? [] } : undefined;
  },
  pkce: { required: () => true },
  cookies: { keys: [randomBytes(32).toString('hex')] },
  ttl: { AccessToken: 600, ClientCredentials: 600, IdToken: 600 },
});

provider.listen(Number(port), '127.0.0.1', () => console.log(`listening ${issuer}`));
