"""The agent portal: server-rendered pages for agents."""
