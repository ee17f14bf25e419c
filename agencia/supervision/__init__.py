"""Supervision: reassign casos by filter, rebalance them across agents, cover an absent agent."""
