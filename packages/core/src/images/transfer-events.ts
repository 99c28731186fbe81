// Turns the copy engine's events into the lines docker pull and docker push print
// (jsonmessage statuses: `Pulling fs layer`, `Download complete`, `Pull complete`, `Pushed`, …).
import type { EventSink, ProgressEvent } from '../events.js';

export function pullEvents(out: EventSink): EventSink {
  return (e: ProgressEvent) => {
    if (e.stream !== undefined) return; // the store's "renaming the old one" note is load's, not pull's
    if (e.status === 'Already exists') return; // announced up front, in layer order
    if (e.status === 'Downloading complete') {
      out({ ...(e.id ? { id: e.id } : {}), status: 'Download complete' });
      // Layers are inspected and stored while they stream: once downloaded, they are extracted.
      out({ ...(e.id ? { id: e.id } : {}), status: 'Pull complete' });
      return;
    }
    out(e);
  };
}

export function pushEvents(out: EventSink): EventSink {
  const mounted = new Set<string>();
  return (e: ProgressEvent) => {
    if (e.status?.startsWith('Mounted from') && e.id) mounted.add(e.id);
    if (e.status === 'Already exists') return out({ ...(e.id ? { id: e.id } : {}), status: 'Layer already exists' });
    if (e.status === 'Pushing complete') {
      if (e.id && mounted.has(e.id)) return;
      return out({ ...(e.id ? { id: e.id } : {}), status: 'Pushed' });
    }
    out(e);
  };
}
