"""Keeping small counts from being worked out (R33), for the governors' summaries.

A table of counts is a set of equations: the parts of each line add up to its total.
Every count from 1 to 4 is hidden and shown as "fewer than 5" (primary suppression).
Then, while a hidden count could still be worked out, another count in one of its
lines is hidden too and shown as "hidden" (complementary suppression). A hidden count
can be worked out when:

* it is the only hidden member of a line (the others subtract to it);
* the lines link hidden counts in a chain with no way round, so that working along
  the chain pins each one down: in the graph whose nodes are the lines and whose
  edges are the hidden counts (each count sits in one line across and one down), such
  a count is a bridge; hidden counts on a cycle of lines cannot be told apart;
* the words give it away: "fewer than 5" means 1 to 4 and "hidden" means 5 or more,
  and with the totals those ranges can narrow to a single value.

The extra count to hide is chosen by its place in the line, never by its size, so that
knowing the rule tells a reader nothing about the value.
"""

from __future__ import annotations

from collections import defaultdict

Position = tuple[int, int]
Equation = tuple[list[Position], Position]  # these parts add up to this total

SMALLEST_SHOWN = 5
UNBOUNDED = 10**9


def _ranges(
    grid: list[list[int]], equations: list[Equation], hidden: set[Position]
) -> dict[Position, tuple[int, int]]:
    """The range of values a reader can work out for each hidden count, from the words
    shown and by working through the equations (interval propagation)."""

    def count(position: Position) -> int:
        return grid[position[0]][position[1]]

    ranges = {
        position: (1, 4) if count(position) < SMALLEST_SHOWN else (SMALLEST_SHOWN, UNBOUNDED)
        for position in hidden
    }
    for _round in range(50):
        changed = False
        for parts, total in equations:
            signed = [(part, 1) for part in parts] + [(total, -1)]
            unknown = [(member, sign) for member, sign in signed if member in hidden]
            if not unknown:
                continue
            # The hidden members, each with its sign, add up to ``rest``.
            rest = -sum(sign * count(member) for member, sign in signed if member not in hidden)
            lows = {m: ranges[m][0] if sign > 0 else -ranges[m][1] for m, sign in unknown}
            highs = {m: ranges[m][1] if sign > 0 else -ranges[m][0] for m, sign in unknown}
            all_low, all_high = sum(lows.values()), sum(highs.values())
            for member, sign in unknown:
                # What the other hidden members can add up to, between them.
                low, high = all_low - lows[member], all_high - highs[member]
                low, high = (rest - high, rest - low) if sign > 0 else (low - rest, high - rest)
                old = ranges[member]
                new = (max(old[0], low), min(old[1], high, UNBOUNDED))
                if new != old and new[0] <= new[1]:
                    ranges[member] = new
                    changed = True
        if not changed:
            break
    return ranges


def _bridges(equations: list[Equation], hidden: set[Position]) -> set[Position]:
    """The hidden counts that the equations pin down exactly: the bridges of the graph
    of lines (nodes) and hidden counts (edges). A count in only one line is joined to
    a common outside node, so that two of them in one line form a cycle."""
    lines_of: dict[Position, list[int]] = defaultdict(list)
    for index, (parts, total) in enumerate(equations):
        for member in (*parts, total):
            if member in hidden:
                lines_of[member].append(index)
    outside = len(equations)
    edges: list[tuple[int, int, Position]] = []
    for position, lines in lines_of.items():
        if len(lines) == 1:
            edges.append((lines[0], outside, position))
        elif len(lines) == 2:
            edges.append((lines[0], lines[1], position))
    adjacent: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for number, (a, b, _position) in enumerate(edges):
        adjacent[a].append((b, number))
        adjacent[b].append((a, number))

    # Tarjan's bridge-finding, without recursion.
    order: dict[int, int] = {}
    low: dict[int, int] = {}
    bridges: set[Position] = set()
    for start in list(adjacent):
        if start in order:
            continue
        order[start] = low[start] = len(order)
        stack = [(start, -1, iter(adjacent[start]))]
        while stack:
            node, via, neighbours = stack[-1]
            for neighbour, number in neighbours:
                if number == via:
                    continue
                if neighbour in order:
                    low[node] = min(low[node], order[neighbour])
                else:
                    order[neighbour] = low[neighbour] = len(order)
                    stack.append((neighbour, number, iter(adjacent[neighbour])))
                    break
            else:
                stack.pop()
                if stack:
                    parent = stack[-1][0]
                    low[parent] = min(low[parent], low[node])
                    if low[node] > order[parent]:
                        bridges.add(edges[via][2])
    return bridges


def exposed(
    grid: list[list[int]], equations: list[Equation], hidden: set[Position]
) -> list[Position]:
    """The hidden counts a reader could work out exactly, in a stable order."""
    ranges = _ranges(grid, equations, hidden)
    pinned = {position for position, (low, high) in ranges.items() if low == high}
    return sorted(pinned | _bridges(equations, hidden))


def hidden_cells(
    grid: list[list[int]],
    equations: list[Equation],
    fixed: dict[Position, bool] | None = None,
) -> set[Position]:
    """Which counts of ``grid`` to hide. ``fixed`` gives the counts another table shows
    too and has already decided, hidden or shown; they are never changed here. A total
    is hidden only when a line has no other count left to hide, since the same total
    is often shown elsewhere."""
    fixed = fixed or {}

    totals = {total for _parts, total in equations}

    def hide_another(position: Position, line: Equation | None = None) -> bool:
        """Hide another count in one of the lines of ``position`` (``line`` first): the
        next visible non-zero count after it that is not itself a total, else the next
        total of another line, else the line's own total."""
        lines = [line] if line else []
        lines += [
            (parts, total)
            for parts, total in equations
            if position in (*parts, total) and (parts, total) != line
        ]
        for allow_totals in (False, True):
            for parts, total in lines:
                members = [*parts, total]
                start = members.index(position)
                for candidate in members[start + 1 :] + members[:start]:
                    if (
                        candidate != total
                        and candidate not in hidden
                        and candidate not in fixed
                        and grid[candidate[0]][candidate[1]] > 0
                        and (allow_totals or candidate not in totals)
                    ):
                        hidden.add(candidate)
                        return True
        for parts, total in lines:
            if position in parts and total not in hidden and total not in fixed:
                hidden.add(total)
                return True
        return False

    hidden = {
        (r, c)
        for r, row in enumerate(grid)
        for c, count in enumerate(row)
        if 0 < count < SMALLEST_SHOWN
    }
    hidden = (hidden - set(fixed)) | {
        position for position, is_hidden in fixed.items() if is_hidden
    }
    while True:
        changed = False
        for parts, total in equations:
            alone = [member for member in (*parts, total) if member in hidden]
            if len(alone) == 1:
                changed |= hide_another(alone[0], (parts, total))
        if changed:
            continue
        for position in exposed(grid, equations, hidden):
            if hide_another(position):
                changed = True
                break
        if not changed:
            return hidden
