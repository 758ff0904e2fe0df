/** An OAuth setting the operator must fix (a keys file or a client registration the server cannot use). */
export class OAuthSettingsError extends Error {
  override readonly name = 'OAuthSettingsError';
}
