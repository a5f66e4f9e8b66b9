-- One database per service (architecture.md §2): each service owns its data.
CREATE DATABASE orders;
CREATE DATABASE approvals;
CREATE DATABASE finance;
CREATE DATABASE inventory;
CREATE DATABASE logistics;
CREATE DATABASE production;
CREATE DATABASE procurement;
CREATE DATABASE aftersales;
