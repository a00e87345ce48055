# Wrong: flips the kernel (true convolution), and predicts L_in - K.
# expect: test_signature_weight=1 test_output_shape=1
# %% answer predict_answer
predicted_shape = (4, 8, 27)
# %% answer conv1d_answer
import numpy as np


class Conv1d:
    def __init__(self, in_channels, out_channels, kernel_size):
        self.in_channels, self.out_channels, self.kernel_size = in_channels, out_channels, kernel_size
        self.weight = np.zeros((out_channels, in_channels, kernel_size))
        self.bias = None

    def forward(self, x):
        K = self.kernel_size
        L_out = x.shape[2] - K + 1
        flipped = self.weight[:, :, ::-1]
        return np.stack([np.einsum("nck,ock->no", x[:, :, t:t + K], flipped) for t in range(L_out)], axis=2)

    def __call__(self, x):
        return self.forward(x)
