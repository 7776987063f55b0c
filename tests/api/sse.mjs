// sse.mjs -- an event-stream reader for the tests: GET /api/v1/events read
// with a streaming body reader, "id:/event:/data:" blocks parsed as they come.
import assert from 'node:assert/strict';

// Opens an event stream as "client"; parses "id:/event:/data:" blocks as they
// arrive.  waitFor(pred, ms) resolves with the first matching event or null.
export async function openStream(client, { lastEventId } = {}) {
  const ac = new AbortController();
  const headers = { Cookie: client.cookie, Accept: 'text/event-stream' };
  if (lastEventId !== undefined) headers['Last-Event-ID'] = String(lastEventId);
  const res = await fetch(client.base + '/api/v1/events', { headers, signal: ac.signal });
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type'), /^text\/event-stream/);
  const events = [];
  let wake = () => {};
  const reading = (async () => {
    const reader = res.body.getReader();
    const dec = new TextDecoder();
    let buf = '';
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buf += dec.decode(value, { stream: true });
        let i;
        while ((i = buf.indexOf('\n\n')) >= 0) {
          const block = buf.slice(0, i);
          buf = buf.slice(i + 2);
          const ev = {};
          for (const line of block.split('\n')) {
            const m = line.match(/^(id|event|data): ?(.*)$/);
            if (m) ev[m[1]] = m[2];
          }
          if (ev.event) {
            ev.id = Number(ev.id);
            ev.data = JSON.parse(ev.data);
            ev.at = Date.now();
            events.push(ev);
            wake();
          }
        }
      }
    } catch { /* aborted */ }
  })();
  return {
    events,
    async waitFor(pred, ms) {
      const deadline = Date.now() + ms;
      for (;;) {
        const found = events.find(pred);
        if (found) return found;
        const left = deadline - Date.now();
        if (left <= 0) return null;
        await new Promise((resolve) => { wake = resolve; setTimeout(resolve, Math.min(left, 50)); });
      }
    },
    async close() { ac.abort(); await reading; },
  };
}
