"""A progress display the long-running commands share."""


class ProgressMixin:
    def progress_reporter(self, label):
        """A bar on a terminal; one line per item at verbosity 2 elsewhere."""

        def report(done, total, item):
            if self.stdout.isatty():
                filled = round(20 * done / total)
                bar = "#" * filled + "." * (20 - filled)
                self.stdout.write(f"\r{label} [{bar}] {done}/{total}", ending="")
                if done == total:
                    self.stdout.write("")
            elif self.verbosity >= 2:
                self.stdout.write(f"{label} {done}/{total}: {item}")

        return report
