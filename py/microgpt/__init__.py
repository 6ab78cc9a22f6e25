"""microgpt: Karpathy's microgpt.py as a package, step-wise and streamable."""
from .checkpoint import Checkpoint
from .dataset import Tokenizer, load_docs, parse_docs
from .errors import MicrogptError
from .model import GPTConfig, Model
from .sampler import Turn, sample, sample_name
from .trainer import StepResult, Trainer

__all__ = ["Checkpoint", "GPTConfig", "MicrogptError", "Model", "StepResult", "Turn",
           "Tokenizer", "Trainer", "load_docs", "parse_docs", "sample", "sample_name"]
