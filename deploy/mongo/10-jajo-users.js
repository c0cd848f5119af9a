// Jajo's MongoDB users (docker-compose.yml, docs/deploy.md): one per service, limited to its own database, each
// password from its secret. The mongo image runs this on the first start (an empty data volume); it is idempotent,
// so after changing a password, or on a volume made before authentication, run it again as root:
//   docker compose exec mongo sh -c 'mongosh -u root -p "$(cat /run/secrets/mongo_root)" \
//       --authenticationDatabase admin /docker-entrypoint-initdb.d/10-jajo-users.js'
const prefix = process.env.JAJO_DB_PREFIX || "jajo_";
const services = ["registration", "activity", "survey", "reporting"];
const admin = db.getSiblingDB("admin");

function password(user) {
  const secret = fs.readFileSync(`/run/secrets/mongo_${user}`, "utf8").trim();
  if (secret.length < 32) {
    throw new Error(`mongo_${user}: use 32 or more random characters`);
  }
  return secret;
}

function ensureUser(user, databases, more = []) {
  const roles = databases.map((name) => ({ role: "readWrite", db: prefix + name })).concat(
    more.map(([name, role]) => ({ role, db: prefix + name })),
  );
  if (admin.getUser(user)) {
    admin.updateUser(user, { pwd: password(user), roles });
  } else {
    admin.createUser({ user, pwd: password(user), roles });
  }
  print(`jajo: user ${user} has ${roles.map((r) => `${r.role} on ${r.db}`).join(", ")} only`);
}

// Who read what (jajo/access.py): the services that show personal data also write the shared access records.
const readers = ["registration", "activity", "reporting"];
// Each service, and its worker, in its own database; reporting in its own (it reads the others only from Kafka).
// The personal-data keys (jajo/personal.py) have a database of their own: registration makes and destroys them,
// activity makes them for what it seals (connection notes, filenames), reporting only reads them (the audit's
// personal=true); survey seals nothing and never sees them.
const keyAccess = {
  registration: [["keys", "readWrite"]],
  activity: [["keys", "readWrite"]],
  reporting: [["keys", "read"]],
};
for (const service of services) {
  ensureUser(service, readers.includes(service) ? [service, "access"] : [service], keyAccess[service] || []);
}
ensureUser("portal", ["portal"]);      // the portal's accounts, sessions and links
ensureUser("init", [...services, "access"]); // python -m jajo.init: every service's indexes
