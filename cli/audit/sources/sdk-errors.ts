/**
 * An SDK failure in words a user can act on: which endpoint could not be reached, that
 * credentials are missing, or the service's own error code and message.
 */
export function describeSdkFailure(error: unknown, doing: string, where: string): string {
  const e = error as Error & { code?: string; errno?: string; $metadata?: { httpStatusCode?: number } };
  const network = e.code ?? e.errno ?? networkCodeIn(e.message);
  if (network && /^(ECONNREFUSED|ECONNRESET|ENOTFOUND|EHOSTUNREACH|ETIMEDOUT|EAI_AGAIN)$/.test(network)) {
    return `cannot reach ${where} while ${doing} (${network})`;
  }
  if (e.name === 'TimeoutError') return `${where} did not answer in time while ${doing}`;
  if (e.name === 'CredentialsProviderError' || /credential/i.test(e.name ?? '')) {
    return `no AWS credentials for ${where} while ${doing}: ${firstLine(e.message)} (use --profile, AWS_PROFILE or environment credentials)`;
  }
  const status = e.$metadata?.httpStatusCode ? ` (HTTP ${e.$metadata.httpStatusCode})` : '';
  return `${where} refused ${doing}: ${e.name}${status}: ${firstLine(e.message ?? String(error))}`;
}

function networkCodeIn(message: string | undefined): string | undefined {
  return /\b(ECONNREFUSED|ECONNRESET|ENOTFOUND|EHOSTUNREACH|ETIMEDOUT|EAI_AGAIN)\b/.exec(message ?? '')?.[1];
}

function firstLine(text: string): string {
  return text.split('\n')[0]!.trim();
}
