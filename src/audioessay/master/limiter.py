"""A look-ahead peak limiter in numpy, streaming: gain, then no sample above the ceiling.

The gain envelope is worked out on blocks of 32 samples (0.7 ms), so the expensive steps
run on 1/32 of the samples:

    r[b]  = min(1, ceiling / peak of block b)           what block b needs
    g1[j] = min(r) over blocks [j - HOLD - 1, j + ATTACK + 1]   look ahead, hold after
    G[b]  = mean(g1) over blocks [b - ATTACK, b]         a linear ramp down before a peak
    gain  = G interpolated linearly between block centres

Every window that feeds G[b-1], G[b] and G[b+1] contains block b, so each of them is at most
r[b], and so is any straight line between them: no sample leaves above the ceiling. The
gain ramps down over ATTACK blocks (about 5 ms) before a peak, holds for HOLD blocks (about
40 ms) after it and ramps back up over ATTACK blocks, like ffmpeg's ``alimiter`` with
attack 5 ms and release 50 ms. The output is exactly as long as the input, sample for
sample in place: the timeline stays exact.
"""

from __future__ import annotations

import numpy as np

BLOCK = 32
ATTACK = 7  # blocks: 224 samples, 5.1 ms at 44.1 kHz
HOLD = 20  # blocks: 14.5 ms
_LEFT = ATTACK + HOLD + 2  # blocks of history the envelope needs
_RIGHT = ATTACK + 3  # blocks of look-ahead


def _sliding_min(values: np.ndarray, width: int) -> np.ndarray:
    """min(values[i : i + width]) for every i with a full window (van Herk / Gil-Werman, O(n))."""
    count = len(values) - width + 1
    if count <= 0:
        return np.zeros(0, values.dtype)
    if width == 1:
        return values.copy()
    blocks = -(-len(values) // width)
    padded = np.full(blocks * width, np.inf, values.dtype)
    padded[: len(values)] = values
    shaped = padded.reshape(blocks, width)
    prefix = np.minimum.accumulate(shaped, axis=1).ravel()
    suffix = np.minimum.accumulate(shaped[:, ::-1], axis=1)[:, ::-1].ravel()
    return np.minimum(suffix[:count], prefix[width - 1: width - 1 + count])


class Limiter:
    """Apply ``gain_db`` and limit sample peaks to ``ceiling_dbfs``; feed chunks, then :meth:`flush`.

    Output lags input by up to a few hundred samples (the look-ahead); the total is equal.
    """

    def __init__(self, gain_db: float, ceiling_dbfs: float) -> None:
        self.gain = float(10 ** (gain_db / 20))
        self.ceiling = float(min(1.0, 10 ** (ceiling_dbfs / 20)))
        self._pending = np.zeros(0, np.float32)  # gained samples not yet output
        self._history = np.ones(_LEFT, np.float32)  # r of the blocks before _pending (silence before the start)
        self.reduced_blocks = 0  # blocks whose gain went below 1 (for the report)
        self._fed = 0
        self._out = 0

    def process(self, chunk: np.ndarray) -> np.ndarray:
        """Take more input; return the output that is ready (possibly empty)."""
        scaled = np.asarray(chunk, np.float32) * np.float32(self.gain)
        self._fed += len(scaled)
        self._pending = np.concatenate([self._pending, scaled]) if len(self._pending) else scaled
        return self._emit(final=False)

    def flush(self) -> np.ndarray:
        """The rest of the output: the input ended (silence after it)."""
        return self._emit(final=True)

    def _emit(self, *, final: bool) -> np.ndarray:
        pending = self._pending
        remaining = len(pending)
        if final:
            blocks = -(-remaining // BLOCK) + _RIGHT
            work = np.zeros(blocks * BLOCK, np.float32)
            work[:remaining] = pending
        else:
            blocks = remaining // BLOCK
            work = pending[: blocks * BLOCK]
        ready = blocks - _RIGHT + 1  # blocks whose look-ahead is all there
        if ready <= 0:
            return np.zeros(0, np.float32) if not final else self._finish(pending)
        peaks = np.abs(work.reshape(blocks, BLOCK)).max(axis=1)
        with np.errstate(divide="ignore"):
            need = np.minimum(1.0, self.ceiling / peaks).astype(np.float32)
        r = np.concatenate([self._history, need])
        # g1[j] for j from (first block needed by G of the block before the first output) on.
        g1 = _sliding_min(r, HOLD + ATTACK + 3)  # g1[i] covers r[i : i + width], centred as above
        # G[b] = mean(g1[b - ATTACK : b + 1]) in g1's own indexing.
        sums = np.cumsum(np.concatenate([[0.0], g1.astype(np.float64)]))
        means = (sums[ATTACK + 1:] - sums[: len(sums) - ATTACK - 1]) / (ATTACK + 1)
        # means[m] is G for r-index m + HOLD + 1 + ATTACK ... aligned so that output block k
        # (r-index _LEFT + k) uses means[k], means[k + 1], means[k + 2] for G[b-1], G[b], G[b+1].
        out_blocks = min(ready, len(means) - 2)
        if out_blocks <= 0:
            return np.zeros(0, np.float32) if not final else self._finish(pending)
        centres = (np.arange(-1, out_blocks + 1) + 0.5) * BLOCK
        envelope = means[: out_blocks + 2]
        count = out_blocks * BLOCK
        out = work[:count].copy()
        if envelope.min() < 1.0:
            gain = np.interp(np.arange(count) + 0.5, centres, envelope).astype(np.float32)
            out *= gain
            self.reduced_blocks += int(np.count_nonzero(envelope[1:-1] < 1.0))
        np.clip(out, -self.ceiling, self.ceiling, out=out)  # rounding only: the envelope already holds it
        self._history = r[out_blocks: out_blocks + _LEFT]
        if final:
            out = out[: max(0, min(count, remaining))]
            self._pending = np.zeros(0, np.float32)
        else:
            self._pending = pending[count:]
        self._out += len(out)
        return out

    def _finish(self, pending: np.ndarray) -> np.ndarray:
        self._pending = np.zeros(0, np.float32)
        return pending
