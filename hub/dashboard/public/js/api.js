// JSON over fetch, same origin, with the server's `{"error": ...}` as the thrown message.

export class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

async function parse(res) {
  let body;
  try {
    body = await res.json();
  } catch {
    body = undefined;
  }
  if (!res.ok) throw new ApiError(res.status, body?.error ?? `${res.status} ${res.statusText}`);
  return body;
}

export async function getJson(path) {
  return parse(await fetch(path, { headers: { accept: 'application/json' }, credentials: 'same-origin' }));
}

export async function postJson(path, body) {
  return parse(
    await fetch(path, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      credentials: 'same-origin',
      body: JSON.stringify(body),
    }),
  );
}
