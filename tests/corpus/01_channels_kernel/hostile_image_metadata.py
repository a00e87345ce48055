# Hostile (issue 25, stored script): an added cell displays a bitmap whose output metadata carries an attribute
# (`width` `1 onerror=...`, which nbconvert writes unquoted into the feedback page and formgrader's view), an HTML
# twin, a `transient` block and odd keys. Outputs are rebuilt from typed values (SanitizeOutputs): the bitmap and
# its text stay, nothing else; tests/test_autograde.py checks the feedback page holds no injected attribute.
# Full marks.
# expect: test_predict=1 test_signature_weight=1 test_output_shape=1 test_values=2
# %% answer predict_answer
predicted_shape = (4, 8, 28)
# %% answer conv1d_answer
import numpy as np
from numpy.lib.stride_tricks import sliding_window_view


class Conv1d:
    def __init__(self, in_channels, out_channels, kernel_size):
        self.in_channels, self.out_channels, self.kernel_size = in_channels, out_channels, kernel_size
        self.weight = np.zeros((out_channels, in_channels, kernel_size))
        self.bias = None

    def forward(self, x):
        windows = sliding_window_view(x, self.kernel_size, axis=2)   # (N, C_in, L_out, K)
        return np.einsum("nctk,ock->not", windows, self.weight)

    def __call__(self, x):
        return self.forward(x)
# %% append
from IPython.display import display
PNG = ("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==")
display({"image/png": PNG, "text/plain": "a picture", "text/html": "<img src=x onerror=\"document.title='pwned-by-html-twin'\">"},
        raw=True, metadata={"image/png": {"width": "1 onerror=document.title='pwned-by-width'", "height": "2 x=y",
                                          "unconfined": True}, "isolated": True},
        transient={"display_id": "x\" onerror=\"document.title='pwned-by-transient'"})
