import numpy as np
import numpy.typing as npt

def version() -> str: ...
def filter_biquad(
    samples: npt.ArrayLike,
    sample_rate: float,
    type: str,
    frequency_hz: float,
    q: float = ...,
    gain_db: float = ...,
) -> np.ndarray: ...
