// live.js -- server-sent events for live pages.
//
// One EventSource on /api/v1/events per page load, opened while at least one
// component listens and closed after the last one leaves.  The browser
// reconnects by itself and sends Last-Event-ID, so nothing is missed across
// a short outage.  useEvents(types, fn, deps) calls fn once per burst of
// events (debounced), which is what a page wants: refresh the affected data.

import { useEffect, useRef, useState } from 'preact/hooks';

const TYPES = ['alert.raised', 'alert.acknowledged', 'alert.resolved', 'visit.recorded', 'directive.issued', 'broadcast.published',
  'assist.requested', 'assist.updated',
  'security.login_burst']; // the server sends security.* only to those who read the audit log
const subscribers = new Set(); // {types, handle(type, data)}
const stateListeners = new Set();
let source = null;
let connected = false;
let lastId = null; // the last event seen: a new stream resumes after it
let closing = null; // the timer closing an unused stream

function setConnected(v) {
  if (connected === v) return;
  connected = v;
  stateListeners.forEach((fn) => fn(v));
}

function open() {
  source = new EventSource(lastId ? `/api/v1/events?after=${encodeURIComponent(lastId)}` : '/api/v1/events');
  source.onopen = () => setConnected(true);
  source.onerror = () => setConnected(false); // the browser retries by itself
  for (const type of TYPES)
    source.addEventListener(type, (e) => {
      if (e.lastEventId) lastId = e.lastEventId;
      let data = null;
      try {
        data = JSON.parse(e.data);
      } catch {
        /* a payload we cannot read still means "something changed" */
      }
      subscribers.forEach((s) => s.types.includes(type) && s.handle(type, data));
    });
}

// Navigating from one live page to the next keeps the stream: it is closed
// only when no page has listened for a few seconds.
function subscribe(sub) {
  subscribers.add(sub);
  clearTimeout(closing);
  if (!source) open();
  return () => {
    subscribers.delete(sub);
    if (subscribers.size > 0) return;
    clearTimeout(closing);
    closing = setTimeout(() => {
      if (subscribers.size > 0 || !source) return;
      source.close();
      source = null;
      setConnected(false);
    }, 5000);
  };
}

// Calls fn(events) at most once per "wait" ms with the events of the burst
// ([{type, data}]).  fn may change between renders; the latest one is used.
export function useEvents(types, fn, { wait = 400 } = {}) {
  const latest = useRef(fn);
  latest.current = fn;
  useEffect(() => {
    let batch = [];
    let t = null;
    const unsubscribe = subscribe({
      types,
      handle(type, data) {
        batch.push({ type, data });
        if (!t)
          t = setTimeout(() => {
            const events = batch;
            batch = [];
            t = null;
            latest.current(events);
          }, wait);
      },
    });
    return () => {
      clearTimeout(t);
      unsubscribe();
    };
  }, [types.join()]);
}

// true while the event stream is open (for a "live" indicator).
export function useLiveState() {
  const [v, setV] = useState(connected);
  useEffect(() => {
    stateListeners.add(setV);
    setV(connected);
    return () => stateListeners.delete(setV);
  }, []);
  return v;
}
