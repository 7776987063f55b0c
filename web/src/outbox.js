// outbox.js -- field writes (visits, health reports) that must survive a
// dropped network.
//
// A write gets its client UUID when the user saves it and is stored in
// IndexedDB before anything is sent; the page shows it as pending (待同步).
// It is then sent, and sent again -- always with the same UUID and the same
// body, so the server answers a repeat with the first result (200 replay)
// and never records it twice -- on the browser's 'online' event, on a timer
// and after each new write.  It leaves IndexedDB only when the server has
// confirmed it (201, or 200 for a replay).  An answer that retrying cannot
// change (a 4xx other than 409 and 429) turns it into a rejected item that
// keeps the server's message and field messages until the user dismisses it.
//
// Items belong to the user who saved them: another user logging in on the
// same phone neither sees nor sends them.
//
//   outbox.start(username)        after login (and after a reload's session)
//   outbox.add(kind, path, body, meta) -> item   (kind 'visit' | 'report' | 'person')
//   outbox.useOutbox()            -> current user's items, re-rendering on change
//   outbox.dismiss(uuid)          drop a rejected item
//   outbox.stop()                 at logout

import { useEffect, useState } from 'preact/hooks';
import * as api from './api.js';

const DB_NAME = 'epigrid-outbox';
const STORE = 'items';
const RETRY_MS = 15000;

let dbPromise = null;
let user = null;
let items = []; // the current user's items, oldest first
const listeners = new Set();
let timer = null;
let flushing = null; // the running flush, if any
let again = false; // another flush was asked for while one ran

function openDb() {
  if (!dbPromise)
    dbPromise = new Promise((resolve, reject) => {
      const req = indexedDB.open(DB_NAME, 1);
      req.onupgradeneeded = () => req.result.createObjectStore(STORE, { keyPath: 'uuid' });
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => reject(req.error);
    });
  return dbPromise;
}

// Runs fn(store) in one transaction; resolves with the request's result
// once the transaction has committed (so "stored" means durable).
async function tx(mode, fn) {
  const db = await openDb();
  return new Promise((resolve, reject) => {
    const t = db.transaction(STORE, mode);
    const req = fn(t.objectStore(STORE));
    t.oncomplete = () => resolve(req?.result);
    t.onerror = () => reject(t.error);
    t.onabort = () => reject(t.error);
  });
}

function notify() {
  listeners.forEach((fn) => fn(items));
}

function replace(uuid, changes) {
  items = items.map((x) => (x.uuid === uuid ? { ...x, ...changes } : x));
}

async function load() {
  const all = (await tx('readonly', (s) => s.getAll())) ?? [];
  items = all.filter((x) => x.user === user).sort((a, b) => a.created - b.created);
  notify();
}

const onOnline = () => flush();

// Begins the outbox of "username": loads its items and sends what is pending.
export async function start(username) {
  if (user !== username) {
    user = username;
    await load();
  }
  if (!timer) {
    timer = setInterval(flush, RETRY_MS);
    addEventListener('online', onOnline);
  }
  flush();
}

// Ends the outbox's work for this session (the items stay in IndexedDB).
export function stop() {
  user = null;
  items = [];
  clearInterval(timer);
  timer = null;
  removeEventListener('online', onOnline);
  notify();
}

// Stores a write and then sends it.  "meta" is what the pages show of it
// (and how they find it: {household_id}, {person_id, slot}, a label).
// A body that already has its client_uuid keeps it (a write the page tried
// itself before the network failed: the server may have it already).
// Resolves once the item is in IndexedDB.
export async function add(kind, path, body, meta = {}) {
  if (!user) throw new Error('outbox: no user');
  const uuid = body.client_uuid ?? crypto.randomUUID();
  const item = {
    uuid,
    user,
    kind,
    path,
    body: { ...body, client_uuid: uuid },
    meta,
    created: Date.now(),
    state: 'pending', // pending | rejected
    error: null, // the last answer: {status, message, fields}
    tries: 0,
  };
  await tx('readwrite', (s) => s.put(item));
  items = [...items, item];
  notify();
  flush();
  return item;
}

export async function dismiss(uuid) {
  await tx('readwrite', (s) => s.delete(uuid));
  items = items.filter((x) => x.uuid !== uuid);
  notify();
}

// Sends every pending item once, oldest first; stops at the first network
// failure (the rest would fail too).  Calls made while it runs make it
// run once more afterwards.
export function flush() {
  if (!user) return Promise.resolve();
  if (flushing) {
    again = true;
    return flushing;
  }
  const run = async () => {
    do {
      again = false;
      for (const item of items.filter((x) => x.state === 'pending')) {
        if (!(await send(item))) break;
      }
    } while (again && user);
  };
  // cleared in a later microtask: run() may finish without ever waiting
  flushing = run()
    .catch(() => {}) // IndexedDB trouble: the items stay and are tried again
    .finally(() => {
      flushing = null;
    });
  return flushing;
}

// One attempt; false when the network (or the server's load) says "later".
async function send(item) {
  replace(item.uuid, { tries: item.tries + 1, sending: true });
  notify();
  try {
    await api.post(item.path, item.body); // 201 new, or 200 replay
    await tx('readwrite', (s) => s.delete(item.uuid));
    items = items.filter((x) => x.uuid !== item.uuid);
    notify();
    return true;
  } catch (e) {
    const error = { status: e.status ?? 0, message: e.message, fields: e.fields ?? [] };
    const final = e.status >= 400 && e.status < 500 && ![401, 408, 409, 429].includes(e.status);
    const stored = { ...item, tries: item.tries + 1, error, state: final ? 'rejected' : 'pending' };
    delete stored.sending;
    try {
      await tx('readwrite', (s) => s.put(stored));
    } catch {
      /* the copy in memory still says what happened */
    }
    replace(item.uuid, { ...stored, sending: false });
    notify();
    return final; // a rejected item does not hold back the others
  }
}

// The current user's items, kept up to date.
export function useOutbox() {
  const [list, setList] = useState(items);
  useEffect(() => {
    listeners.add(setList);
    setList(items);
    return () => listeners.delete(setList);
  }, []);
  return list;
}

export function pending() {
  return items.filter((x) => x.state === 'pending');
}
