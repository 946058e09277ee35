// The team picker of a Quay in-app notification: which teams match what was typed, and how a
// team is described in the list (walkthrough #23).
import type { QuayTeam } from "../../lib/api";

/** Teams whose name contains `typed` (ignoring case), those starting with it first; every team
 *  while nothing is typed or when `typed` is exactly a team's name (the list then offers the
 *  others to switch to). */
export function matchTeams(teams: QuayTeam[], typed: string): QuayTeam[] {
  const q = typed.trim().toLowerCase();
  if (!q || teams.some((t) => t.name.toLowerCase() === q)) return teams;
  const starts = teams.filter((t) => t.name.toLowerCase().startsWith(q));
  const contains = teams.filter((t) => !t.name.toLowerCase().startsWith(q) && t.name.toLowerCase().includes(q));
  return [...starts, ...contains];
}

/** "1 member", "3 members". */
export const membersText = (count: number): string => `${count} ${count === 1 ? "member" : "members"}`;

/** The option highlighted after an arrow key: down from nothing is the first, up from nothing
 *  the last, and both wrap; -1 when there is nothing to highlight. */
export function nextOption(active: number, key: "ArrowDown" | "ArrowUp", count: number): number {
  if (count === 0) return -1;
  if (active < 0 || active >= count) return key === "ArrowDown" ? 0 : count - 1;
  return (active + (key === "ArrowDown" ? 1 : -1) + count) % count;
}
