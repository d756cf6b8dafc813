"""The soak's judge (scripts/soak_judge.py): RSS growth is judged within program states."""
import os
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "scripts"))
import soak_judge as judge  # noqa: E402

CONVERTING_EXTRA_MIB = 40.0


def run(growth_mib_per_hour, minutes=60):
    """RSS before each cut (every 10 s) of a run where converting holds 40 MiB more than passing
    through, and the cuts fall on converting sources more often in the second half (as a cut
    cycle drifting against the encoders' reconnects makes them), with a little noise."""
    samples = []
    for i in range(int(minutes * 6)):
        t = i * 10.0
        late = t > minutes * 30
        converting = (i % 3 != 0) if late else (i % 3 == 0)
        noise = ((i * 7919) % 11 - 5) * 0.2
        rss = 150 + growth_mib_per_hour * t / 3600 + (CONVERTING_EXTRA_MIB if converting else 0) + noise
        samples.append(dict(t=t, rss_kib=rss * 1024, state="heli-1/0" if converting else "drone-1/0",
                            files=40, threads=38))
    return samples


def rss_line(samples, states):
    passed, lines = judge.verdict(samples, 300, True, [], samples if states else None)
    return passed, next(line for line in lines if "RSS growth" in line)


class SoakJudgeTests(unittest.TestCase):
    def test_a_change_in_which_state_the_samples_fall_is_not_growth(self):
        samples = run(growth_mib_per_hour=0)
        passed, line = rss_line(samples, states=True)
        self.assertTrue(passed, line)
        self.assertIn("in 2 program states", line)
        # Without the states the same samples read as a leak: what the states are for.
        passed, line = rss_line(samples, states=False)
        self.assertFalse(passed, line)

    def test_growth_within_every_state_fails(self):
        passed, line = rss_line(run(growth_mib_per_hour=10), states=True)
        self.assertFalse(passed, line)
        fit = judge.slope_per_hour([(s["t"], s["rss_kib"] / 1024, s["state"]) for s in run(growth_mib_per_hour=10)])
        self.assertAlmostEqual(fit[0], 10, delta=0.5)

    def test_too_few_samples_for_their_states_are_not_judged(self):
        self.assertIsNone(judge.slope_per_hour([(0, 1, "a"), (10, 2, "b"), (20, 3, "c")]))

    def test_the_memory_breakdown_names_the_part_that_grows(self):
        metrics = ('relay_allocator_bytes{kind="allocated"} %d\nrelay_allocator_bytes{kind="resident"} %d\n'
                   'relay_allocator_bytes{kind="active"} 5\nrelay_picture_memory_bytes %d\n')
        samples = []
        for i in range(360):
            t = i * 10.0
            allocated = (50 + 6 * t / 3600) * 2**20  # 6 MiB/h more in use: a leak
            found = judge.memory_breakdown(metrics % (allocated, allocated + 20 * 2**20, 30 * 2**20))
            self.assertEqual(set(found), {"allocated_kib", "resident_kib", "pictures_kib"})
            samples.append(dict(t=t, state="a", rss_kib=found["resident_kib"] + found["pictures_kib"] + 80 * 1024, **found))
        line = judge.memory_breakdown_line(samples, 300)
        self.assertIn("in use (jemalloc allocated) +6.00", line)
        self.assertIn("jemalloc resident +6.00", line)
        self.assertIn("decoded pictures +0.00", line)
        self.assertIn("other mappings) +0.00", line)
        self.assertEqual(judge.memory_breakdown(""), {})
        self.assertIn("no /metrics figures", judge.memory_breakdown_line([dict(t=400, state="a", rss_kib=1)], 300))


if __name__ == "__main__":
    unittest.main()
