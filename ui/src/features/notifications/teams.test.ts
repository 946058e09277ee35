import { describe, expect, it } from "vitest";
import type { QuayTeam } from "../../lib/api";
import { matchTeams, membersText, nextOption } from "./teams";

const team = (name: string, memberCount = 2): QuayTeam => ({
  name,
  description: null,
  role: "member",
  avatar: null,
  canView: true,
  repoCount: 0,
  memberCount,
  isSynced: false,
});
const teams = [team("owners", 1), team("ops", 3), team("builders", 0), team("devops")];
const names = (t: QuayTeam[]) => t.map((x) => x.name);

describe("matchTeams", () => {
  it("offers every team while nothing is typed", () => {
    expect(names(matchTeams(teams, " "))).toEqual(["owners", "ops", "builders", "devops"]);
  });

  it("puts names starting with the text first, then those containing it", () => {
    expect(names(matchTeams(teams, "OP"))).toEqual(["ops", "devops"]);
    expect(names(matchTeams(teams, "ers"))).toEqual(["owners", "builders"]);
    expect(matchTeams(teams, "nobody")).toEqual([]);
  });

  it("offers the others again once a team is chosen", () => {
    expect(names(matchTeams(teams, "ops"))).toEqual(["owners", "ops", "builders", "devops"]);
  });
});

describe("membersText", () => {
  it("counts members", () => {
    expect(membersText(0)).toBe("0 members");
    expect(membersText(1)).toBe("1 member");
    expect(membersText(3)).toBe("3 members");
  });
});

describe("nextOption", () => {
  it("starts at the first or the last and wraps", () => {
    expect(nextOption(-1, "ArrowDown", 3)).toBe(0);
    expect(nextOption(-1, "ArrowUp", 3)).toBe(2);
    expect(nextOption(2, "ArrowDown", 3)).toBe(0);
    expect(nextOption(0, "ArrowUp", 3)).toBe(2);
    expect(nextOption(1, "ArrowDown", 3)).toBe(2);
    expect(nextOption(5, "ArrowDown", 3)).toBe(0);
    expect(nextOption(0, "ArrowDown", 0)).toBe(-1);
  });
});
