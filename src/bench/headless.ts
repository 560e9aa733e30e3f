// (filled in with the bench page)
export async function benchInBrowser(..._a: unknown[]): Promise<any> {
  throw new Error('not yet');
}
