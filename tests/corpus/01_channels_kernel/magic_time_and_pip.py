# Correct, written the way notebooks are: the answer cell starts with %%time, and the predict cell installs numpy
# with a shell line and %pip first. The grader runs cells as IPython does (its input transformer): %%time runs its
# body, shell lines and installs do nothing and say so. Full marks.
# expect: test_predict=1 test_signature_weight=1 test_output_shape=1 test_values=2
# %% answer predict_answer
!pip install -q numpy
%pip install -q numpy
predicted_shape = (4, 8, 28)
# %% answer conv1d_answer
%%time
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
