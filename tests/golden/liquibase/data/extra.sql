-- a comment
CREATE TABLE from_file (id int);
