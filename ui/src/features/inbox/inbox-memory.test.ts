import { describe, expect, it } from "vitest";
import { InboxMemory, badgeText, exportLabel } from "./inbox-memory.svelte";

describe("InboxMemory", () => {
  it("counts deliveries only while another screen is shown, and clears when the Inbox shows", () => {
    const m = new InboxMemory();
    m.arrived(2); // nothing shown yet: the app starts on Connections
    expect(m.unread).toBe(2);
    m.setShown(true);
    expect(m.unread).toBe(0);
    m.arrived();
    expect(m.unread).toBe(0);
    m.setShown(false);
    m.arrived();
    m.arrived(3);
    expect(m.unread).toBe(4);
    m.setShown(true);
    expect(m.unread).toBe(0);
  });

  it("hands an open request over once", () => {
    const m = new InboxMemory();
    expect(m.takeOpenRequest()).toBeNull();
    m.open(42);
    expect(m.openRequest).toEqual({ delivery: 42 });
    expect(m.takeOpenRequest()).toBe(42);
    expect(m.takeOpenRequest()).toBeNull();
    m.open(null);
    expect(m.openRequest).toEqual({ delivery: null });
    expect(m.takeOpenRequest()).toBeNull();
    expect(m.openRequest).toBeNull();
  });

  it("keeps the filters it was given", () => {
    const m = new InboxMemory();
    m.filters.text = "worker";
    expect(m.filters.text).toBe("worker");
  });
});

describe("exportLabel", () => {
  it("says how many and whether they are the filtered ones", () => {
    expect(exportLabel(2, true)).toBe("Export 2 deliveries (filtered)");
    expect(exportLabel(1, true)).toBe("Export 1 delivery (filtered)");
    expect(exportLabel(1234, false)).toBe("Export all 1,234 deliveries");
    expect(exportLabel(null, false)).toBe("Export all deliveries");
    expect(exportLabel(null, true)).toBe("Export deliveries (filtered)");
    expect(exportLabel(0, false)).toBe("Nothing to export");
    expect(exportLabel(0, true)).toBe("No deliveries match (filtered)");
  });
});

describe("badgeText", () => {
  it("is empty without news and caps large counts", () => {
    expect(badgeText(0)).toBe("");
    expect(badgeText(7)).toBe("7");
    expect(badgeText(100)).toBe("99+");
  });
});
