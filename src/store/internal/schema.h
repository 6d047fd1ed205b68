// SPDX-License-Identifier: Apache-2.0
#pragma once

// The SQL of src/store/schema/, compiled into the binary at build time by
// schema/embed_schema.cmake (generated file: <build>/src/store/schema_sql.cc).

#include <span>
#include <string_view>

namespace vigil::store::internal {

// One numbered migration: schema/NNN_<name>.sql.
struct Migration {
  int version;  // NNN; versions are 1, 2, 3 … without gaps (checked at build time)
  std::string_view name;
  std::string_view sql;
};

// schema/schema_version.sql: creates the schema_version table if absent.
std::string_view BootstrapSql();

// Every migration, in increasing version order.
std::span<const Migration> Migrations();

}  // namespace vigil::store::internal
