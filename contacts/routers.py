"""Send the shared ID database's models, and only them, to the `shared` database (DESIGN.md section 3)."""

SHARED = "shared"
# Candidate-facing code reads through this alias as a role that may only SELECT: nothing migrates it.
SHARED_READER = "shared_reader"
SHARED_MODELS = {"sharedvoter", "sharedaggregate", "rollupstate", "rolluprun"}


def is_shared(app_label: str, model_name: str | None) -> bool:
    return app_label == "contacts" and model_name in SHARED_MODELS


class SharedRouter:
    """Shared models live in `shared`; everything else in `default`; no relation crosses the two."""

    def db_for_read(self, model, **hints):
        return SHARED if is_shared(model._meta.app_label, model._meta.model_name) else None

    def db_for_write(self, model, **hints):
        return SHARED if is_shared(model._meta.app_label, model._meta.model_name) else None

    def allow_relation(self, obj1, obj2, **hints):
        databases = {obj1._state.db, obj2._state.db}
        if databases & {SHARED, SHARED_READER}:
            return len(databases) == 1
        return None

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        if db == SHARED_READER:
            return False
        if model_name is None:
            # Operations on no model (RunSQL, RunPython) name their database in their hints.
            return db == hints.get("target_db", "default")
        return (db == SHARED) == is_shared(app_label, model_name)
