"""Model folders: ``config.json`` + ``model.safetensors`` (+ ``history.json``), written atomically and
read without unpickling (:mod:`.folders`). Every estimator's ``save``/``load`` goes through them.
"""

from .folders import (  # noqa: F401
    CONFIG_FILE,
    FORMAT,
    HISTORY_FILE,
    ModelFolderError,
    WEIGHTS_FILE,
    build_from_config,
    explain_unrecorded,
    load_model,
    load_state_checked,
    model_config,
    read_model_folder,
    restore_model,
    save_model,
    write_model_folder,
)
