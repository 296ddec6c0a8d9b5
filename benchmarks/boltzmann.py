"""Mesa's classic Boltzmann wealth model, written the efficient way for Mesa 3.

This is the speed yardstick of :mod:`benchmarks.run`: the smallest meaningful agent-based model
one can write on Mesa. Every agent starts with one unit of wealth; at each step the agents are
activated in random order (``AgentSet.shuffle_do``) and each agent that still has wealth gives
one unit to a partner drawn uniformly at random among all agents (itself included, as in the
original Mesa tutorial). There is no space and no data collection.

Written efficiently, as any fair yardstick should be:

* the list of agents is cached once per step (not rebuilt with ``list(model.agents)`` or
  ``random.choice(model.agents)`` at every call, which costs O(N) per agent);
* the partners are pre-drawn once per step as one vectorised ``model.rng.integers`` call and
  consumed by the agents in activation order, so the per-agent work is a few attribute accesses.

Run it directly to print the cost per agent-step for 10,000 agents::

    .venv/bin/python benchmarks/boltzmann.py
"""

from __future__ import annotations

import argparse
import time

from mesa import Agent, Model


class MoneyAgent(Agent):
    """An agent with some wealth that gives one unit away at each step while it has any."""

    def __init__(self, model: BoltzmannWealth) -> None:
        super().__init__(model)
        self.wealth = 1

    def step(self) -> None:
        """Give one unit of wealth to a random partner if this agent has any wealth."""
        if self.wealth > 0:
            model = self.model
            other = model.pool[next(model.draws)]
            other.wealth += 1
            self.wealth -= 1


class BoltzmannWealth(Model):
    """Boltzmann wealth model without space: random pairwise gifts of one unit of wealth."""

    def __init__(self, n_agents: int = 100, seed: int | None = None) -> None:
        super().__init__(rng=seed)
        MoneyAgent.create_agents(self, n_agents)
        self.pool: list[MoneyAgent] = []
        self.draws = iter(())

    def step(self) -> None:
        """Cache the agent list, pre-draw one partner per agent, activate agents in random order."""
        self.pool = list(self.agents)
        n = len(self.pool)
        # One partner index per agent at most; agents without wealth simply leave theirs unused.
        self.draws = iter(self.rng.integers(0, n, size=n).tolist())
        self.agents.shuffle_do("step")

    @property
    def total_wealth(self) -> int:
        """Sum of the wealth of all agents (conserved: equal to the number of agents)."""
        return sum(agent.wealth for agent in self.agents)


def run_boltzmann(n_agents: int, steps: int, seed: int = 0) -> float:
    """Run the Boltzmann model and return the wall time in seconds per agent-step.

    Only the stepping is timed, not the construction of the model and its agents.

    Args:
        n_agents: Number of agents.
        steps: Number of steps to run.
        seed: Seed of the model's random number generators.

    Returns:
        Seconds of wall time per agent-step (``elapsed / (n_agents * steps)``).
    """
    if n_agents < 1 or steps < 1:
        raise ValueError("n_agents and steps must both be at least 1")
    model = BoltzmannWealth(n_agents, seed=seed)
    start = time.perf_counter()
    for _ in range(steps):
        model.step()
    elapsed = time.perf_counter() - start
    assert model.total_wealth == n_agents, "wealth must be conserved"
    return elapsed / (n_agents * steps)


def main(argv: list[str] | None = None) -> None:
    """Print the cost per agent-step of the Boltzmann wealth model."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--agents", type=int, default=10_000, help="number of agents")
    parser.add_argument("--steps", type=int, default=100, help="number of steps")
    parser.add_argument("--seed", type=int, default=0, help="random seed")
    args = parser.parse_args(argv)
    per_agent_step = run_boltzmann(args.agents, args.steps, args.seed)
    print(
        f"Boltzmann wealth model, {args.agents:,} agents x {args.steps} steps: "
        f"{per_agent_step * 1e6:.3f} µs per agent-step"
    )


if __name__ == "__main__":
    main()
