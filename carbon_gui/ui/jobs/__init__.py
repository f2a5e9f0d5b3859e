"""The Jobs tab: the table of training jobs, their details, the monitor that polls them, and cleanup."""
