# Hostile (found by red-teaming, class 5): an answer cell displays HTML with a script, and an added markdown cell holds
# a script tag and a javascript: link. nbgrader's feedback and formgrader would run them in the browser of whoever
# opens the page (formgrader's session can set grades). Outputs keep only plain text and bitmaps, and the student's
# markdown is escaped: tests/test_autograde.py checks that no feedback page holds a script. Full marks.
# expect: test_predict=1 test_signature_weight=1 test_output_shape=1 test_values=2
# %% answer predict_answer
predicted_shape = (4, 8, 28)
# %% answer conv1d_answer
from IPython.display import HTML, Javascript, display

display(HTML("<script>document.title = 'pwned-by-html'</script><b>bold</b>"))
display(Javascript("document.title = 'pwned-by-js'"))
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
# %% append-markdown
Look: <script>document.title = 'pwned-by-markdown'</script> and [a link](javascript:alert('pwned-by-link')).
