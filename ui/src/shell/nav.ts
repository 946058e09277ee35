// The app's top-level places, in the order the sidebar shows them.
export type View = "connections" | "repositories" | "overview" | "inbox" | "routes" | "settings" | "about";

export const NAV: { id: View; label: string; hint: string }[] = [
  { id: "connections", label: "Connections", hint: "Quay and DTR registries" },
  { id: "repositories", label: "Repositories", hint: "Namespaces, repositories, notifications" },
  { id: "overview", label: "Overview", hint: "Every notification of every repository: failing, disabled, bulk fixes" },
  { id: "inbox", label: "Inbox", hint: "Webhook deliveries received" },
  { id: "routes", label: "Routes", hint: "Receiver routes: names, URLs, answers, sample events" },
  { id: "settings", label: "Settings", hint: "Receiver, toasts, theme" },
  { id: "about", label: "About", hint: "Version and folders" },
];
