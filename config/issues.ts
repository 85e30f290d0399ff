/**
 * One line per problem of a failed schema parse, each naming the field:
 * `response.ruleBand.end: must be at least ruleBand.start (50), got 10`. It reads only the issues,
 * so it serves the config schema and the Lambda-side schemas alike without loading either.
 */
export function describeIssues(
  error: { readonly issues: readonly { readonly path: readonly PropertyKey[]; readonly message: string }[] },
  prefix = '',
): string {
  return error.issues
    .map((issue) => {
      const path = issue.path.map(String).join('.');
      return `${prefix}${path || '(root)'}: ${issue.message}`;
    })
    .join('\n');
}
