# Cheat (class 3 of docs/grading-security.md): np.correlate's C routine reached around the guard through
# the original correlate2 found among all live objects (the garbage collector's view). Once the grader is set up no compiled module loads and the garbage collector's
# view is refused: forward raises, and the answer scores like the plain np.correlate cheat (and is flagged).
# expect: test_predict=1 test_output_length=2 test_signature_weight=1
# %% answer predict_answer
predicted_shape = (4, 8, 6)
# %% answer length_answer
def conv1d_output_length(L_in, kernel_size, stride=1, padding=0, dilation=1):
    return (L_in + 2 * padding - dilation * (kernel_size - 1) - 1) // stride + 1
# %% answer conv1d_answer
import numpy as np


class Conv1d:
    def __init__(self, in_channels, out_channels, kernel_size, stride=1):
        self.stride = stride
        self.weight = np.zeros((out_channels, in_channels, kernel_size))
        self.bias = None

    @staticmethod
    def _correlate():
        import gc
        for obj in gc.get_objects():
            if isinstance(obj, dict) and callable(obj.get("correlate2")) and "built-in" in repr(obj["correlate2"]):
                return obj["correlate2"]
        raise LookupError("no original found")

    def forward(self, x):
        N, C, L = x.shape
        O = self.weight.shape[0]
        corr = self._correlate()
        return np.array([[sum(corr(x[n, c], self.weight[o, c], 0) for c in range(C))[::self.stride]
                          for o in range(O)] for n in range(N)])

    def __call__(self, x):
        return self.forward(x)
