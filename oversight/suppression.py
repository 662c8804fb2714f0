"""Keeping small counts from being worked out (R33), for the governors' summaries.

A table of counts is a set of equations: the parts of each line add up to its total.
Every count from 1 to 4 is hidden and shown as "fewer than 5" (primary suppression).
Then, while a hidden count could still be worked out exactly, another count in one of
its lines is hidden too (complementary suppression): shown as "hidden" when it is 5 or
more, and as "fewer than 5" when it is less, which may be a 0. So a reader knows only
that "fewer than 5" is 0 to 4 and "hidden" is 5 or more.

Whether a hidden count can be worked out is decided exactly. A table with totals across
and down is a network: each count sits in two lines (one across, one down; a count in
only one line is joined to an outside node). Any other set of values a reader could
not tell from the real ones differs from them by shifting one unit round a cycle of
hidden counts, each staying within what its words allow. So a hidden count is safe
exactly when some such cycle passes through it. Where a table is not a network (two
tables sharing a line, say), a weaker check is used: a count that is a bridge of the
graph of lines, or whose range narrows to a single value line by line, is exposed.

The extra count to hide is chosen by its place in the line, never by its size, so that
knowing the rule tells a reader nothing about the value. When nothing in a count's own
lines can be hidden, the table fails closed: every count in it is hidden.
"""

from __future__ import annotations

from collections import defaultdict, deque

Position = tuple[int, int]
Equation = tuple[list[Position], Position]  # these parts add up to this total

SMALLEST_SHOWN = 5
UNBOUNDED = 10**9
OUTSIDE = -1  # the node joined to counts that sit in one line only


def reading(count: int) -> tuple[int, int]:
    """What a reader knows of a hidden count from its words."""
    return (0, SMALLEST_SHOWN - 1) if count < SMALLEST_SHOWN else (SMALLEST_SHOWN, UNBOUNDED)


def _occurrences(
    equations: list[Equation], hidden: set[Position]
) -> dict[Position, list[tuple[int, int]]]:
    """For each hidden count, the lines it sits in, with +1 as a part or -1 as a total."""
    found: dict[Position, list[tuple[int, int]]] = defaultdict(list)
    for index, (parts, total) in enumerate(equations):
        for part in parts:
            if part in hidden:
                found[part].append((index, 1))
        if total in hidden:
            found[total].append((index, -1))
    return found


def _signs(occurrences: dict[Position, list[tuple[int, int]]]) -> dict[int, int] | None:
    """A sign for each line such that every hidden count adds to one of its lines what
    it takes from the other (a network), or None if there is none."""
    adjacent: dict[int, list[tuple[int, int, int]]] = defaultdict(list)
    for places in occurrences.values():
        if len(places) > 2:
            return None
        if len(places) == 2:
            (u, a), (v, b) = places
            adjacent[u].append((v, a, b))
            adjacent[v].append((u, b, a))
    sign: dict[int, int] = {}
    for start in adjacent:
        if start in sign:
            continue
        sign[start] = 1
        queue = deque([start])
        while queue:
            node = queue.popleft()
            for other, mine, theirs in adjacent[node]:
                wanted = -sign[node] * mine * theirs  # sign[node]*mine == -sign[other]*theirs
                if other not in sign:
                    sign[other] = wanted
                    queue.append(other)
                elif sign[other] != wanted:
                    return None
    return sign


def _network_exposed(
    grid: list[list[int]], equations: list[Equation], hidden: set[Position]
) -> list[Position] | None:
    """The hidden counts no cycle of unit shifts can change, or None if the equations
    are not a network."""
    occurrences = _occurrences(equations, hidden)
    sign = _signs(occurrences)
    if sign is None:
        return None
    arcs: dict[int, list[tuple[int, Position]]] = defaultdict(list)
    moves: dict[Position, list[tuple[int, int]]] = {}
    for position, places in occurrences.items():
        value = grid[position[0]][position[1]]
        low, high = reading(value)
        (u, a), *rest = places
        flow = sign.get(u, 1) * a  # +1: raising the count adds to line u
        v = rest[0][0] if rest else OUTSIDE
        raise_arc = (v, u) if flow > 0 else (u, v)
        own = []
        if value + 1 <= high:
            own.append(raise_arc)
        if value - 1 >= low:
            own.append((raise_arc[1], raise_arc[0]))
        moves[position] = own
        for tail, head in own:
            arcs[tail].append((head, position))

    def reaches(start: int, goal: int, without: Position) -> bool:
        seen, queue = {start}, deque([start])
        while queue:
            node = queue.popleft()
            if node == goal:
                return True
            for head, position in arcs[node]:
                if position != without and head not in seen:
                    seen.add(head)
                    queue.append(head)
        return False

    return sorted(
        position
        for position, own in moves.items()
        if not any(reaches(head, tail, position) for tail, head in own)
    )


def _ranges(
    grid: list[list[int]], equations: list[Equation], hidden: set[Position]
) -> dict[Position, tuple[int, int]]:
    """The range of values a reader can work out for each hidden count, from the words
    shown and by working through the lines one at a time (interval propagation)."""

    def count(position: Position) -> int:
        return grid[position[0]][position[1]]

    ranges = {position: reading(count(position)) for position in hidden}
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
    """The hidden counts that the lines alone pin down: the bridges of the graph of
    lines (nodes) and hidden counts (edges)."""
    edges: list[tuple[int, int, Position]] = []
    for position, places in _occurrences(equations, hidden).items():
        if len(places) == 1:
            edges.append((places[0][0], OUTSIDE, position))
        elif len(places) == 2:
            edges.append((places[0][0], places[1][0], position))
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
    found = _network_exposed(grid, equations, hidden)
    if found is not None:
        return found
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
    everything = {(r, c) for r, row in enumerate(grid) for c in range(len(row))}

    def hideable(candidate: Position) -> bool:
        return candidate not in hidden and candidate not in fixed

    def hide_another(position: Position, line: Equation | None = None) -> bool:
        """Hide another count in one of the lines of ``position`` (``line`` first): the
        next visible non-zero count after it that is not itself a total; else the next
        total of another line; else a 0; else the line's own total."""
        lines = [line] if line else []
        lines += [
            (parts, total)
            for parts, total in equations
            if position in (*parts, total) and (parts, total) != line
        ]
        for allowed in ("parts", "totals", "zeros"):
            for parts, total in lines:
                members = [*parts, total]
                start = members.index(position)
                for candidate in members[start + 1 :] + members[:start]:
                    value = grid[candidate[0]][candidate[1]]
                    if (
                        candidate != total
                        and hideable(candidate)
                        and (value > 0 or allowed == "zeros")
                        and (allowed != "parts" or candidate not in totals)
                    ):
                        hidden.add(candidate)
                        return True
        for parts, total in lines:
            if position in parts and hideable(total):
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
    failed_closed = False
    while True:
        changed = False
        for parts, total in equations:
            alone = [member for member in (*parts, total) if member in hidden]
            if len(alone) == 1:
                changed |= hide_another(alone[0], (parts, total))
        if changed:
            continue
        found = exposed(grid, equations, hidden)
        if not found:
            return hidden
        if any(hide_another(position) for position in found):
            continue
        if failed_closed:
            return hidden  # everything that may be hidden is hidden
        # Nothing in the exposed counts' own lines is left to hide: fail closed.
        hidden |= {position for position in everything if position not in fixed}
        failed_closed = True
