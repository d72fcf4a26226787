# The Debian package (scripts/package runs `cpack -G DEB` in a Release tree).
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME preflight)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_CONTACT "preflight maintainers <preflight@example.org>")
set(CPACK_DEBIAN_PACKAGE_MAINTAINER "preflight maintainers <preflight@example.org>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "operator readiness gate: checks a host against YAML rule packs")
# The extended description (CPack puts the summary above it as the synopsis).
set(CPACK_PACKAGE_DESCRIPTION
    "preflight loads a rule pack (YAML) declaring checks - env files, the GnuPG\n\
keyring, PostgreSQL privileges, config files, binaries, commands - runs them\n\
against this host and produces a pass/fail report (text, JSON, Markdown,\n\
JUnit) in which every secret is redacted. Anything it cannot verify is an\n\
error, never a pass. Exit status 0 opens the gate.")
set(CPACK_DEBIAN_PACKAGE_SECTION admin)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_HOMEPAGE "https://preflight.invalid/")
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)  # preflight_<version>_<arch>.deb
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)   # Depends from the binary's libraries (dpkg-shlibdeps)
set(CPACK_DEBIAN_DEBUGINFO_PACKAGE ON)   # stripped binary; symbols in preflight-dbgsym
set(CPACK_DEBIAN_PACKAGE_GENERATE_SHLIBS OFF)
set(CPACK_STRIP_FILES OFF)  # CPack strips what it splits into the -dbgsym package itself
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_SET_DESTDIR ON)  # DESTDIR staging: /etc/preflight/rules.d lands in the package
# The Debian copyright file, changelog (a native package's changelog.gz) and the lintian
# overrides, installed into the package's data.
file(MAKE_DIRECTORY ${CMAKE_BINARY_DIR}/generated)
execute_process(COMMAND gzip -9n -c ${CMAKE_SOURCE_DIR}/packaging/changelog
                OUTPUT_FILE ${CMAKE_BINARY_DIR}/generated/changelog.gz COMMAND_ERROR_IS_FATAL ANY)
set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/packaging/changelog)
install(FILES ${CMAKE_BINARY_DIR}/generated/changelog.gz DESTINATION ${CMAKE_INSTALL_DOCDIR})
install(FILES ${CMAKE_SOURCE_DIR}/packaging/copyright DESTINATION ${CMAKE_INSTALL_DOCDIR})
install(FILES ${CMAKE_SOURCE_DIR}/packaging/lintian-overrides
        DESTINATION ${CMAKE_INSTALL_DATADIR}/lintian/overrides RENAME preflight)
# The maintainer scripts create the `preflight` system user of the audit units (adduser) and
# clean up on remove and purge (docs/fleet.md); dpkg-shlibdeps' Depends are appended to adduser.
set(CPACK_DEBIAN_PACKAGE_DEPENDS adduser)
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
    ${CMAKE_SOURCE_DIR}/packaging/postinst ${CMAKE_SOURCE_DIR}/packaging/prerm
    ${CMAKE_SOURCE_DIR}/packaging/postrm)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
include(CPack)
