/**
 * Setup requests of ops tests that run the server with a short request budget: retried on 503,
 * because a fresh server's first requests on a busy CI machine (imports, first connections,
 * scrypt) can take longer than that budget. Anything but 201/503 fails at once.
 */
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function setupCall<T>(call: () => Promise<{ status: number; body: T }>, attempts = 10): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    const res = await call();
    if (res.status === 201) return res.body;
    if (res.status !== 503 || attempt >= attempts)
      throw new Error(`setup request answered ${res.status}: ${JSON.stringify(res.body)}`);
    await sleep(300);
  }
}
