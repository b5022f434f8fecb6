"""One Jupyter kernel of this interpreter that runs lesson notebooks one after another.

The runner (`dlcourse.runner`, the notebook route of `make lessons`) and the tests
(`tests/test_lessons.py`) run every lesson's notebook on one shared kernel, so that
TensorFlow starts once. Before each notebook a prologue cell resets the kernel's
namespace, puts back what the previous notebook changed outside it
(`dlcourse.course.fresh`: module attributes, Keras's and NumPy's settings, matplotlib's
rcParams, the environment), clears Keras's session, lets TensorFlow set up its devices
(what it logs then goes with the prologue, not into a lesson) and sets
the lesson's settings in the environment (`DLCOURSE_QUICK`, `DLCOURSE_SEED`,
`DLCOURSE_OUT`) and its working directory; the prologue is removed from the notebook
afterwards, so the executed notebook holds the lesson's cells and their outputs only.

Needs the `notebooks` extra (nbclient, nbformat, ipykernel).
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from pathlib import Path

__all__ = ["BLAS_THREADS", "KERNEL_NAME", "LessonKernel", "prologue"]

#: The variable that sizes the thread pool of NumPy's BLAS (OpenBLAS in NumPy's wheels);
#: the shared kernel sets it to 1 unless the environment already does (see `_kernel_env`).
#: Not OMP_NUM_THREADS: PyTorch sizes its own pool from that one.
BLAS_THREADS = "OPENBLAS_NUM_THREADS"

#: The kernel's name. Not `python3`: for that name jupyter_client imports ipykernel into
#: the calling process, which would then look like a kernel to `dlcourse.plotting`.
KERNEL_NAME = "dlcourse-python3"

_PROLOGUE = """\
%reset -f
import os
import dlcourse.course.fresh, keras
dlcourse.course.fresh.restore()  # module attributes, Keras, NumPy, matplotlib, environment...
os.environ.update({settings!r})
os.chdir({cwd!r})
keras.backend.clear_session()
_ = keras.ops.convert_to_tensor(0.0)  # TensorFlow sets up (and logs about) its devices here
del _
"""


def prologue(*, quick: bool, seed: int, out, cwd) -> str:
    """The code run before a lesson's notebook on the shared kernel.

    Args:
        quick: run the lesson with its quick budget.
        seed: the lesson's seed.
        out: the lesson's output folder (made absolute).
        cwd: the working directory the notebook runs in (made absolute).
    """
    settings = {
        "DLCOURSE_QUICK": "1" if quick else "0",
        "DLCOURSE_SEED": str(int(seed)),
        "DLCOURSE_OUT": str(Path(out).resolve()),
    }
    return _PROLOGUE.format(settings=settings, cwd=str(Path(cwd).resolve()))


def _kernel_env() -> dict:
    """This process's environment, minus MPLBACKEND so that ipykernel picks the inline one,
    and with one BLAS thread unless the caller chose otherwise (`OPENBLAS_NUM_THREADS`).

    The lessons' and exercises' NumPy works on matrices of tens to hundreds of rows, where
    a BLAS thread pool costs more than it saves; with the framework's own threads beside it
    on a small or busy machine, a multi-threaded OpenBLAS made a (64 × 211) · (211 × 64)
    product 100× slower (13.8 ms against 0.1 ms at load 6 on 2 cores).
    """
    env = {key: value for key, value in os.environ.items() if key != "MPLBACKEND"}
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    env.setdefault(BLAS_THREADS, "1")
    return env


class LessonKernel:
    """A kernel of this interpreter's ipykernel, started on first use, shared by notebooks.

    Kernelspecs installed elsewhere (`~/.local/share/jupyter/kernels/python3`, say, for
    another Python) are not searched, so notebooks run with the packages of this
    interpreter. Use it as a context manager, or call `shutdown()`.

    Args:
        cwd: the working directory the kernel starts in.
    """

    def __init__(self, cwd="."):
        from jupyter_client.kernelspec import KernelSpecManager
        from jupyter_client.manager import AsyncKernelManager

        self.cwd = Path(cwd).resolve()
        self._specs = tempfile.TemporaryDirectory(prefix="dlcourse-kernels-")
        folder = Path(self._specs.name) / KERNEL_NAME
        folder.mkdir()
        spec = {
            "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
            "display_name": "Python 3 (ipykernel)",
            "language": "python",
        }
        (folder / "kernel.json").write_text(json.dumps(spec), encoding="utf-8")
        specs = KernelSpecManager(kernel_dirs=[self._specs.name], ensure_native_kernel=False)
        self.manager = AsyncKernelManager(kernel_name=KERNEL_NAME, kernel_spec_manager=specs)

    def execute(self, notebook, *, timeout=600.0, before=None):
        """Run `notebook` in place on the kernel within `timeout` seconds in all.

        Args:
            notebook: an `nbformat` notebook; its cells get their outputs.
            timeout: seconds for the whole notebook (the first one also starts the kernel).
            before: code run first in a cell of its own (e.g. `prologue(...)`), removed
                from the notebook afterwards, whether it ran through or not.

        Returns:
            The notebook.

        Raises:
            nbclient.exceptions.CellExecutionError: a cell raised (the notebook keeps
                the outputs up to and including that cell's error).
            TimeoutError: the notebook ran past `timeout`.
        """
        import nbclient
        import nbformat
        from jupyter_core.utils import run_sync

        deadline = time.monotonic() + timeout
        if self.manager.has_kernel and not run_sync(self.manager.is_alive)():
            run_sync(self.manager.shutdown_kernel)(now=True)  # an earlier notebook killed it
        if before is not None:
            notebook.cells.insert(0, nbformat.v4.new_code_cell(before))
        client = nbclient.NotebookClient(
            notebook,
            km=self.manager,
            kernel_name=KERNEL_NAME,
            extra_arguments=["--HistoryManager.hist_file=:memory:"],  # as nbclient does
            timeout_func=lambda cell: max(1, int(deadline - time.monotonic())),
            startup_timeout=int(timeout),
            resources={"metadata": {"path": str(self.cwd)}},
        )
        try:
            client.execute(env=_kernel_env(), cwd=str(self.cwd))  # used when the kernel starts
        finally:
            if before is not None:
                notebook.cells.pop(0)
        return notebook

    def shutdown(self) -> None:
        """Stop the kernel, if it was started, and remove its kernelspec."""
        if self.manager.has_kernel:
            from jupyter_core.utils import run_sync

            run_sync(self.manager.shutdown_kernel)(now=True)
        self._specs.cleanup()

    def __enter__(self) -> LessonKernel:
        return self

    def __exit__(self, *exc) -> None:
        self.shutdown()
