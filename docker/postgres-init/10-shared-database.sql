-- The shared ID database (DESIGN.md section 3), next to the program's, owned by the same user.
-- The postgres image runs this once, as POSTGRES_USER, when its data volume is new. The web
-- service's `manage.py migrate --database shared` then creates its tables and the read-only role.
CREATE DATABASE neighborhood_leader_shared;
