// -----------------------------------------------------------------------------
// Web Push: offers and visitors' messages while the app is closed
// -----------------------------------------------------------------------------
// The server posts the payload of package push: {kind, chat, title, body, tag, path, lang}.
// One notification per chat (tag), a newer one replacing it with a sound again (renotify);
// an offer stays until the agent acts on it.
self.addEventListener("push", (event) => {
  let p = null;
  try {
    p = event.data ? event.data.json() : null;
  } catch {
    p = null;
  }
  if (!p || typeof p.title !== "string") {
    return;
  }
  event.waitUntil(
    self.registration.showNotification(p.title, {
      body: p.body || "",
      tag: p.tag || undefined,
      renotify: !!p.tag,
      lang: p.lang || undefined,
      icon: "/agent/web/icon-192.png",
      requireInteraction: p.kind === "offer",
      data: { parley: { chat: p.chat || "", path: p.path || "/agent/" } },
    })
  );
});

// A click focuses an open agent app and has it show the chat, or opens the app on it.
self.addEventListener("notificationclick", (event) => {
  event.notification.close();
  const d = (event.notification.data && event.notification.data.parley) || { chat: "", path: "/agent/" };
  event.waitUntil((async () => {
    const wins = await clients.matchAll({ type: "window", includeUncontrolled: true });
    for (const c of wins) {
      if (c.url.startsWith(self.registration.scope) && "focus" in c) {
        await c.focus();
        c.postMessage({ parley: { open: d.chat } });
        return;
      }
    }
    if (clients.openWindow) {
      await clients.openWindow(d.path);
    }
  })());
});

// The browser renewed the subscription: the server gets the new one and forgets the old.
self.addEventListener("pushsubscriptionchange", (event) => {
  event.waitUntil((async () => {
    const old = event.oldSubscription;
    let sub = event.newSubscription;
    if (!sub && old) {
      sub = await self.registration.pushManager.subscribe(old.options);
    }
    const send = (method, body) => fetch("/api/push/subscription", {
      method: method,
      credentials: "same-origin",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body),
    });
    if (sub) {
      await send("PUT", sub);
    }
    if (old && (!sub || old.endpoint !== sub.endpoint)) {
      await send("DELETE", { endpoint: old.endpoint });
    }
  })());
});
